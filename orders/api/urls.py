from django.urls import path

from orders.api import orders

urlpatterns = [
    path("orders/", orders.OrderList.as_view(), name="api-order-list"),
    path("orders/<int:pk>/", orders.OrderDetail.as_view(), name="api-order-detail"),
]
