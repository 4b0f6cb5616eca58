from django.urls import path

from integrations import api

urlpatterns = [
    path("event-subscriptions/", api.SubscriptionList.as_view(), name="api-event-subscriptions"),
    path("event-subscriptions/<int:pk>/", api.SubscriptionDetail.as_view(), name="api-event-subscription-detail"),
    path("event-subscriptions/<int:pk>/rotate-secret/", api.SubscriptionRotateSecret.as_view(),
         name="api-event-subscription-rotate-secret"),
    path("event-deliveries/", api.DeliveryList.as_view(), name="api-event-deliveries"),
    path("event-deliveries/replay/", api.DeliveriesReplay.as_view(), name="api-event-deliveries-replay"),
    path("event-deliveries/<int:pk>/replay/", api.DeliveryReplay.as_view(), name="api-event-delivery-replay"),
    path("events/", api.EventList.as_view(), name="api-events"),
]
