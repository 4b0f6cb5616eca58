from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView, RetrieveAPIView

from core.api_permissions import area_permission
from core.filters import filters_apply
from inventory.tenancy import warehouses_visible_to
from layout.models import Bin
from warehouse.api.serializers import BinOutput, WarehouseOutput


class WarehouseList(ListAPIView):
    """Warehouses are readable by every authenticated user, merchants included."""

    serializer_class = WarehouseOutput

    def get_queryset(self):
        return warehouses_visible_to(self.request.user).filter(is_active=True)


class WarehouseDetail(RetrieveAPIView):
    serializer_class = WarehouseOutput
    lookup_field = "code"

    def get_queryset(self):
        return warehouses_visible_to(self.request.user)


@extend_schema(
    parameters=[
        OpenApiParameter("zone", str),
        OpenApiParameter("kind", str),
        OpenApiParameter("code", str),
    ]
)
class BinList(ListAPIView):
    serializer_class = BinOutput
    permission_classes = [area_permission("warehouse_floor")]

    def get_queryset(self):
        warehouse = get_object_or_404(warehouses_visible_to(self.request.user), code=self.kwargs["code"])
        bins = Bin.objects.filter(warehouse=warehouse).select_related("zone", "warehouse")
        return filters_apply(bins, self.request.query_params, {"zone": "zone__code", "kind": "kind", "code": "code"})
