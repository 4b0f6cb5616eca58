from django.urls import path

from inventory.api import products, stock

urlpatterns = [
    path("products/", products.ProductList.as_view(), name="api-product-list"),
    path("products/<int:pk>/", products.ProductDetail.as_view(), name="api-product-detail"),
    path("stock/", stock.StockList.as_view(), name="api-stock-list"),
    path("movements/", stock.MovementList.as_view(), name="api-movement-list"),
    path("adjustments/", stock.AdjustmentCreate.as_view(), name="api-adjustment-create"),
]
