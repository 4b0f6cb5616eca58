from django.urls import path

from ops.api import erp

urlpatterns = [
    path("erp/movements/", erp.MovementFeed.as_view(), name="api-erp-movements"),
    path("erp/shipments/", erp.ShipmentFeed.as_view(), name="api-erp-shipments"),
]
