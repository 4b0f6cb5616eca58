from django.urls import path

from orders.views import pages, webhooks

app_name = "orders"
urlpatterns = [
    path("webhooks/<str:kind>/<int:channel_id>/", webhooks.storefront_webhook, name="storefront-webhook"),
    path("webhooks/shopify/<int:channel_id>/fulfillment_order_notification", webhooks.shopify_fulfillment_notification,
         name="shopify-fulfillment-webhook"),
    path("orders/", pages.order_list, name="order_list"),
    path("orders/upload/", pages.order_upload, name="order_upload"),
    path("orders/inbox/", pages.inbox, name="inbox"),
    path("orders/inbox/<int:pk>/replay/", pages.inbox_replay_view, name="inbox_replay"),
    path("orders/inbox/orders/<int:pk>/allocate/", pages.inbox_allocate_view, name="inbox_allocate"),
    path("orders/outbox/", pages.outbox, name="outbox"),
    path("orders/outbox/<int:pk>/retry/", pages.outbox_retry_view, name="outbox_retry"),
    path("orders/outbox/stock/<int:pk>/retry/", pages.stock_push_retry_view, name="stock_push_retry"),
    path("orders/<int:pk>/", pages.order_detail, name="order_detail"),
    path("orders/<int:pk>/action/", pages.order_action, name="order_action"),
]
