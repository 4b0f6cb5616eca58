from django.urls import path

from inventory.views import catalog

app_name = "inventory"
urlpatterns = [
    path("products/", catalog.product_list, name="product_list"),
]
