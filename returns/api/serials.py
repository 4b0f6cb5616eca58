"""REST serial trace: a serial's history (receipt and purchase order, bin, order, shipment and tracking, returns)
and an order's serials. A merchant token sees only its own products' units and its own orders."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import InvalidFilter
from orders.selectors import orders_visible_to
from returns.serial_trace import histories_of, order_serial_units, serial_query, serial_search
from warehouse.models import SerialUnit


class SerialReturnOutput(serializers.Serializer):
    rma_number = serializers.CharField()
    status = serializers.CharField()
    received_qty = serializers.IntegerField()


class SerialHistoryOutput(serializers.Serializer):
    serial = serializers.CharField()
    sku = serializers.CharField()
    product_name = serializers.CharField()
    merchant = serializers.CharField()
    warehouse = serializers.CharField()
    received_at = serializers.DateTimeField()
    receipt_id = serializers.IntegerField(allow_null=True)
    purchase_order = serializers.CharField()
    received_into_bin = serializers.CharField()
    packed_at = serializers.DateTimeField(allow_null=True)
    order_id = serializers.IntegerField(allow_null=True)
    order_number = serializers.CharField()
    shipment_status = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    returned = serializers.BooleanField()
    returns = SerialReturnOutput(many=True)


class SerialTrace(GenericAPIView):
    """The history of every visible unit whose serial is `serial` (one per product at most)."""

    permission_classes = [area_permission("serials")]
    serializer_class = SerialHistoryOutput
    queryset = SerialUnit.objects.none()

    def get_queryset(self) -> QuerySet[SerialUnit]:
        try:
            serial = serial_query(self.request.query_params.get("serial"))
        except ValueError as exc:
            raise InvalidFilter(f"filter 'serial' {exc}", parameter="serial") from None
        if not serial:
            raise InvalidFilter("filter 'serial' is required", parameter="serial")
        return serial_search(self.request.user, serial)

    @extend_schema(parameters=[OpenApiParameter("serial", str, required=True, description="The unit's serial (AI 21)")],
                   responses=SerialHistoryOutput(many=True), operation_id="v1_serials_trace", tags=["returns"])
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SerialHistoryOutput(histories_of(list(page)), many=True).data)


class OrderSerials(GenericAPIView):
    """Every serial packed for the order, each with its history."""

    permission_classes = [area_permission("serials")]
    serializer_class = SerialHistoryOutput

    @extend_schema(responses=SerialHistoryOutput(many=True), operation_id="v1_order_serials", tags=["returns"])
    def get(self, request: Request, pk: int) -> Response:
        order = get_object_or_404(orders_visible_to(request.user), pk=pk)
        return Response(SerialHistoryOutput(histories_of(list(order_serial_units(order))), many=True).data)
