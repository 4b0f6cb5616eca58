"""REST for transfers between warehouses: list with filters, create, detail, release, cancel. Labels are bought
at the source's transfer label station (`warehouse.outbound.api.transfer_labels`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply, integer
from inventory.models import Product
from inventory.tenancy import merchant_for_actor, warehouses_visible_to
from warehouse.models import TransferLine, TransferOrder, TransferParcel, TransferStatus
from warehouse.services.transfers import (
    MAX_LINE_QTY,
    MAX_LINES,
    InvalidTransfer,
    TransferLineInput,
    transfer_cancel,
    transfer_create,
    transfer_release,
)
from warehouse.transfer_selectors import transfers_visible_to


class TransferLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    in_transit = serializers.IntegerField()

    class Meta:
        model = TransferLine
        fields = ["sku", "qty", "picked_qty", "shipped_qty", "received_qty", "lost_qty", "in_transit"]


class TransferParcelOutput(serializers.ModelSerializer):
    shipment = serializers.IntegerField(source="shipment_id")
    status = serializers.CharField(source="shipment.status")
    carrier = serializers.CharField(source="shipment.carrier")
    service = serializers.CharField(source="shipment.service")
    tracking_number = serializers.CharField(source="shipment.tracking_number", allow_null=True)
    weight_g = serializers.IntegerField(source="shipment.weight_g")

    class Meta:
        model = TransferParcel
        fields = ["number", "shipment", "status", "carrier", "service", "tracking_number", "weight_g", "created_at"]


class TransferOrderOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    from_warehouse = serializers.CharField(source="from_warehouse.code")
    to_warehouse = serializers.CharField(source="to_warehouse.code")
    lines = TransferLineOutput(many=True)
    parcels = TransferParcelOutput(many=True, help_text="Labels bought at the transfer label station, voided ones too")

    class Meta:
        model = TransferOrder
        fields = ["id", "number", "merchant", "from_warehouse", "to_warehouse", "status", "carrier", "tracking_number",
                  "note", "discrepancy_note", "created_at", "released_at", "shipped_at", "received_at", "cancelled_at",
                  "lines", "parcels"]


class TransferLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    qty = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QTY)


class TransferOrderInput(serializers.Serializer):
    merchant = serializers.CharField(max_length=40, help_text="Merchant code")
    from_warehouse = serializers.SlugField(max_length=20)
    to_warehouse = serializers.SlugField(max_length=20)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    lines = TransferLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


def _transfers(user):
    return transfers_visible_to(user)


class TransferList(GenericAPIView):
    permission_classes = [area_permission("transfers")]
    serializer_class = TransferOrderOutput
    queryset = TransferOrder.objects.none()

    def get_queryset(self):
        rows = filters_apply(_transfers(self.request.user), self.request.query_params, {
            "status": "status", "from_warehouse": "from_warehouse__code", "to_warehouse": "to_warehouse__code",
            "merchant": "merchant__code", "number": "number__iexact", "sku": "lines__product__sku",
            "product": ("lines__product_id", integer),
        })
        status_ = self.request.query_params.get("status")
        if status_ and status_ not in TransferStatus.values:
            raise InvalidTransfer(f"filter 'status' must be one of {', '.join(TransferStatus.values)}", parameter="status")
        return rows.distinct().order_by("-created_at", "-id")

    @extend_schema(operation_id="v1_transfers_list", responses=TransferOrderOutput(many=True), parameters=[
        OpenApiParameter("status", str), OpenApiParameter("from_warehouse", str), OpenApiParameter("to_warehouse", str),
        OpenApiParameter("merchant", str), OpenApiParameter("number", str), OpenApiParameter("sku", str),
        OpenApiParameter("product", int),
    ])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TransferOrderOutput(page, many=True).data)

    @extend_schema(operation_id="v1_transfers_create", request=TransferOrderInput, responses={201: TransferOrderOutput})
    def post(self, request):
        data = TransferOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        merchant = merchant_for_actor(request.user, values["merchant"])
        warehouses = warehouses_visible_to(request.user).filter(is_active=True)
        source = warehouses.filter(code=values["from_warehouse"]).first()
        destination = warehouses.filter(code=values["to_warehouse"]).first()
        if source is None or destination is None:
            raise InvalidTransfer("unknown warehouse")
        skus = [line["sku"] for line in values["lines"]]
        products = {p.sku: p for p in Product.objects.filter(merchant=merchant, sku__in=skus)}
        unknown = sorted(set(skus) - set(products))
        if unknown:
            raise InvalidTransfer(f"unknown SKU for {merchant.code}: {', '.join(unknown[:10])}", skus=unknown[:10])
        transfer = transfer_create(
            merchant=merchant, from_warehouse=source, to_warehouse=destination, actor=request.user, note=values["note"],
            lines=[TransferLineInput(product=products[line["sku"]], qty=line["qty"]) for line in values["lines"]],
        )
        return Response(TransferOrderOutput(_transfers(request.user).get(pk=transfer.pk)).data,
                        status=status.HTTP_201_CREATED)


class TransferDetail(GenericAPIView):
    permission_classes = [area_permission("transfers")]
    serializer_class = TransferOrderOutput
    queryset = TransferOrder.objects.none()

    @extend_schema(operation_id="v1_transfers_retrieve")
    def get(self, request, pk):
        return Response(TransferOrderOutput(get_object_or_404(_transfers(request.user), pk=pk)).data)


class TransferRelease(GenericAPIView):
    permission_classes = [area_permission("transfers")]
    serializer_class = TransferOrderOutput

    @extend_schema(operation_id="v1_transfers_release", request=None, responses={200: TransferOrderOutput})
    def post(self, request, pk):
        transfer = transfer_release(transfer=get_object_or_404(_transfers(request.user), pk=pk), actor=request.user)
        return Response(TransferOrderOutput(_transfers(request.user).get(pk=transfer.pk)).data)


class TransferCancel(GenericAPIView):
    permission_classes = [area_permission("transfers")]
    serializer_class = TransferOrderOutput

    @extend_schema(operation_id="v1_transfers_cancel", request=None, responses={200: TransferOrderOutput})
    def post(self, request, pk):
        transfer = transfer_cancel(transfer=get_object_or_404(_transfers(request.user), pk=pk), actor=request.user)
        return Response(TransferOrderOutput(_transfers(request.user).get(pk=transfer.pk)).data)
