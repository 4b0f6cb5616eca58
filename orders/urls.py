from django.urls import path

from orders.views import webhooks

urlpatterns = [
    path("webhooks/<str:kind>/<int:channel_id>/", webhooks.storefront_webhook, name="storefront-webhook"),
]
