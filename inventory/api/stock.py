from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply, timestamp
from inventory.exceptions import InvalidProduct, UnknownSku
from inventory.models import Movement, StockLevel
from inventory.selectors import merchant_of, products_visible_to
from inventory.services.stock import AdjustReason, stock_adjust
from inventory.tenancy import staff_scoped, warehouses_visible_to
from layout.models import Bin


class StockLevelOutput(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    merchant = serializers.CharField(source="product.merchant.code")
    warehouse = serializers.CharField(source="warehouse.code")
    on_hand = serializers.IntegerField()
    allocated = serializers.IntegerField()
    unavailable = serializers.IntegerField()
    available = serializers.IntegerField()


class MovementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    bin = serializers.CharField(source="bin.code")
    qty = serializers.IntegerField()
    kind = serializers.CharField()
    condition = serializers.CharField()
    lot = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    reason = serializers.CharField()
    reference = serializers.CharField()
    operation = serializers.UUIDField()
    bin_qty_after = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class AdjustmentInput(serializers.Serializer):
    sku = serializers.CharField()
    merchant = serializers.CharField(required=False, help_text="Merchant code, when SKUs repeat across merchants")
    warehouse = serializers.CharField()
    bin = serializers.CharField()
    delta = serializers.IntegerField(help_text="Signed change; not zero")
    reason_code = serializers.ChoiceField(choices=AdjustReason.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    condition = serializers.CharField(required=False, default="sellable")
    lot = serializers.CharField(required=False, allow_blank=True, default="")


class StockList(GenericAPIView):
    """Stock by SKU and warehouse: on hand, allocated, unavailable, available."""

    permission_classes = [area_permission("catalog")]
    serializer_class = StockLevelOutput

    def get_queryset(self):
        levels = (
            staff_scoped(StockLevel.objects.filter(product__in=products_visible_to(self.request.user)), self.request.user,
                         warehouse="warehouse_id")
            .select_related("product__merchant", "warehouse")
            .order_by("product__sku", "warehouse__code")
        )
        return filters_apply(levels, self.request.query_params, {"sku": "product__sku", "warehouse": "warehouse__code"})

    @extend_schema(responses=StockLevelOutput(many=True),
                   parameters=[OpenApiParameter("sku", str), OpenApiParameter("warehouse", str)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(StockLevelOutput(page, many=True).data)


class MovementList(GenericAPIView):
    """The stock ledger, newest first."""

    permission_classes = [area_permission("catalog")]
    serializer_class = MovementOutput

    def get_queryset(self):
        movements = staff_scoped(Movement.objects.filter(product__in=products_visible_to(self.request.user)),
                                 self.request.user, warehouse="warehouse_id").select_related("product", "warehouse", "bin")
        return filters_apply(movements, self.request.query_params, {
            "sku": "product__sku", "warehouse": "warehouse__code", "bin": "bin__code", "kind": "kind",
            "reference": "reference", "since": ("created_at__gte", timestamp), "until": ("created_at__lt", timestamp),
        }).order_by("-created_at", "-id")

    @extend_schema(
        responses=MovementOutput(many=True),
        parameters=[
            OpenApiParameter(name, str)
            for name in ("sku", "warehouse", "bin", "kind", "reference", "since", "until")
        ]
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MovementOutput(page, many=True).data)


class AdjustmentCreate(GenericAPIView):
    """Adjust stock in a bin with a reason code (inventory controllers and warehouse managers)."""

    permission_classes = [area_permission("inventory_adjust")]
    serializer_class = AdjustmentInput

    @extend_schema(request=AdjustmentInput, responses={201: MovementOutput(many=True)})
    def post(self, request):
        data = AdjustmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        products = products_visible_to(request.user).filter(sku=v["sku"])
        if v.get("merchant"):
            products = products.filter(merchant__code=v["merchant"])
        matches = list(products[:2])
        if not matches:
            raise UnknownSku(f"unknown SKU {v['sku']!r}")
        if len(matches) > 1:
            raise InvalidProduct(f"SKU {v['sku']!r} exists for several merchants; give merchant")
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=v["warehouse"])
        bin_ = get_object_or_404(Bin, warehouse=warehouse, code=v["bin"])
        result = stock_adjust(
            product=matches[0], bin=bin_, delta=v["delta"], reason_code=v["reason_code"], reason=v["reason"],
            condition=v["condition"], lot=v["lot"], actor=request.user, merchant=merchant_of(request.user),
            reference=f"api:{request.user.get_username()}",
        )
        return Response(MovementOutput(result.movements, many=True).data, status=status.HTTP_201_CREATED)


