from django.urls import path

from warehouse.views import layout

app_name = "warehouse"
urlpatterns = [
    path("", layout.warehouse_list, name="warehouse_list"),
    path("<slug:code>/", layout.warehouse_detail, name="warehouse_detail"),
]
