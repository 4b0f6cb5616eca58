from django.urls import path

from shipping.views import webhooks

app_name = "shipping"
urlpatterns = [
    path("webhooks/carriers/<slug:account>/", webhooks.carrier_webhook, name="carrier-webhook"),
]
