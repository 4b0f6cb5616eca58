from django.urls import path

from inventory.api import kits, products, stock

urlpatterns = [
    path("products/", products.ProductList.as_view(), name="api-product-list"),
    path("products/<int:pk>/", products.ProductDetail.as_view(), name="api-product-detail"),
    path("products/<int:pk>/components/", kits.BundleComponentList.as_view(), name="api-product-components"),
    path("stock/", stock.StockList.as_view(), name="api-stock-list"),
    path("movements/", stock.MovementList.as_view(), name="api-movement-list"),
    path("adjustments/", stock.AdjustmentCreate.as_view(), name="api-adjustment-create"),
    path("kit-work-orders/", kits.KitWorkOrderList.as_view(), name="api-kit-work-order-list"),
    path("kit-work-orders/<int:pk>/", kits.KitWorkOrderDetail.as_view(), name="api-kit-work-order-detail"),
    path("kit-work-orders/<int:pk>/<str:action>/", kits.KitWorkOrderAction.as_view(), name="api-kit-work-order-action"),
]
