from django.urls import path

from orders.api import changes, orders

urlpatterns = [
    path("orders/", orders.OrderList.as_view(), name="api-order-list"),
    path("orders/csv/", orders.OrderCsvUpload.as_view(), name="api-order-csv"),
    path("orders/<int:pk>/", orders.OrderDetail.as_view(), name="api-order-detail"),
    path("orders/<int:pk>/address/", changes.OrderAddressEdit.as_view(), name="api-order-address"),
    path("orders/<int:pk>/lines/", changes.OrderLinesEdit.as_view(), name="api-order-lines"),
    path("orders/<int:pk>/service-level/", changes.OrderServiceLevelEdit.as_view(), name="api-order-service-level"),
    path("orders/<int:pk>/cancel/", changes.OrderCancel.as_view(), name="api-order-cancel"),
    path("orders/<int:pk>/holds/", changes.OrderHoldPlace.as_view(), name="api-order-hold-place"),
    path("orders/<int:pk>/holds/release/", changes.OrderHoldRelease.as_view(), name="api-order-hold-release"),
]
