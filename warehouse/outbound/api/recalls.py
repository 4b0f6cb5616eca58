"""REST for lot recalls: list and raise recalls, and a recall with the bins holding the lot and the orders that
shipped it. A merchant token sees and raises only its own."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import InvalidFilter, filters_apply, text
from warehouse.models import LotRecall
from warehouse.outbound.recall_selectors import recall_bins, recall_shipments, recall_target, recalls_visible
from warehouse.outbound.services.recall import lot_recall


class RecallOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    sku = serializers.CharField(source="product.sku")
    created_by = serializers.CharField(source="created_by.get_username", allow_null=True, default=None)

    class Meta:
        model = LotRecall
        fields = ["id", "merchant", "product", "sku", "lot", "reason", "created_by", "created_at"]


class RecalledBinOutput(serializers.Serializer):
    warehouse = serializers.CharField()
    bin = serializers.CharField()
    condition = serializers.CharField()
    qty = serializers.IntegerField()
    flagged = serializers.BooleanField()


class RecalledShipmentOutput(serializers.Serializer):
    order_id = serializers.IntegerField()
    order_number = serializers.CharField()
    customer_name = serializers.CharField()
    email = serializers.CharField()
    qty = serializers.IntegerField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()


class RecallDetailOutput(RecallOutput):
    bins = RecalledBinOutput(many=True, read_only=True)
    orders = RecalledShipmentOutput(many=True, read_only=True)

    class Meta(RecallOutput.Meta):
        fields = [*RecallOutput.Meta.fields, "bins", "orders"]


class RecallCreateInput(serializers.Serializer):
    merchant = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                     help_text="Merchant code; staff only (a merchant token recalls its own products)")
    sku = serializers.CharField(max_length=64)
    lot = serializers.CharField(max_length=40)
    reason = serializers.CharField(max_length=255)


def _detail(recall: LotRecall, user) -> dict:
    recall.bins = recall_bins(recall, user=user)  # type: ignore[attr-defined]
    recall.orders = recall_shipments(recall, user=user)  # type: ignore[attr-defined]
    return RecallDetailOutput(recall).data


class RecallList(GenericAPIView):
    """Lot recalls, newest first (filters: sku, lot, merchant, q for either sku or lot); POST raises one."""

    permission_classes = [area_permission("recall_manage", safe_area="recalls")]
    serializer_class = RecallOutput
    queryset = LotRecall.objects.none()

    def get_queryset(self) -> QuerySet[LotRecall]:
        rows = filters_apply(recalls_visible(self.request.user), self.request.query_params,
                             {"sku": "product__sku", "lot": "lot", "merchant": "merchant__code"})
        raw = self.request.query_params.get("q", "")
        try:
            query = text(raw).strip()
        except ValueError as exc:
            raise InvalidFilter(f"filter 'q' {exc}", parameter="q") from None
        if query:
            rows = rows.filter(Q(product__sku__icontains=query) | Q(lot__icontains=query))
        return rows

    @extend_schema(parameters=[OpenApiParameter("sku", str), OpenApiParameter("lot", str),
                               OpenApiParameter("merchant", str, description="Merchant code"),
                               OpenApiParameter("q", str, description="Part of a SKU or lot")],
                   responses=RecallOutput(many=True), operation_id="v1_recalls_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RecallOutput(page, many=True).data)

    @extend_schema(request=RecallCreateInput, responses={201: RecallDetailOutput}, operation_id="v1_recalls_create")
    def post(self, request: Request) -> Response:
        data = RecallCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        merchant, product = recall_target(request.user, merchant_code=values.get("merchant", ""), sku=values["sku"])
        report = lot_recall(merchant=merchant, product=product, lot=values["lot"], reason=values["reason"],
                            actor=request.user)
        return Response(_detail(recalls_visible(request.user).get(pk=report.recall.pk), request.user),
                        status=status.HTTP_201_CREATED)


class RecallDetail(GenericAPIView):
    """A recall with every bin holding the lot (flagged or not) and every order that shipped it."""

    permission_classes = [area_permission("recalls")]
    serializer_class = RecallDetailOutput

    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(get_object_or_404(recalls_visible(request.user), pk=pk), request.user))
