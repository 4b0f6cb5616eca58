from django.urls import path

from warehouse.api import views

urlpatterns = [
    path("warehouses/", views.WarehouseList.as_view(), name="api-warehouse-list"),
    path("warehouses/<slug:code>/", views.WarehouseDetail.as_view(), name="api-warehouse-detail"),
    path("warehouses/<slug:code>/bins/", views.BinList.as_view(), name="api-bin-list"),
]
