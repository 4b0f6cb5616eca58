from django.urls import path

from inventory.api import products

urlpatterns = [
    path("products/", products.ProductList.as_view(), name="api-product-list"),
    path("products/<int:pk>/", products.ProductDetail.as_view(), name="api-product-detail"),
]
