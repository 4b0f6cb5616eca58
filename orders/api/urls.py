from django.urls import path

from orders.api import orders

urlpatterns = [
    path("orders/", orders.OrderList.as_view(), name="api-order-list"),
    path("orders/csv/", orders.OrderCsvUpload.as_view(), name="api-order-csv"),
    path("orders/<int:pk>/", orders.OrderDetail.as_view(), name="api-order-detail"),
]
