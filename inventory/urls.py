from django.urls import path

from inventory.views import catalog, kits

app_name = "inventory"
urlpatterns = [
    path("products/", catalog.product_list, name="product_list"),
    path("products/<int:pk>/", catalog.product_stock, name="product_stock"),
    path("products/<int:pk>/components/", kits.bundle_components_edit, name="bundle_components_edit"),
    path("low-stock/", catalog.low_stock, name="low_stock"),
    path("kit-work-orders/", kits.kit_work_order_list, name="kit_work_order_list"),
    path("kit-work-orders/new/", kits.kit_work_order_new, name="kit_work_order_new"),
    path("kit-work-orders/<int:pk>/", kits.kit_work_order_detail, name="kit_work_order_detail"),
    path("kit-work-orders/<int:pk>/<str:action>/", kits.kit_work_order_act, name="kit_work_order_action"),
]
