from django.urls import path

from inventory.views import catalog

app_name = "inventory"
urlpatterns = [
    path("products/", catalog.product_list, name="product_list"),
    path("products/<int:pk>/", catalog.product_stock, name="product_stock"),
    path("low-stock/", catalog.low_stock, name="low_stock"),
]
