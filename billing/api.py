"""REST for invoices: a merchant's token lists and reads its issued invoices (lines and their totals); billing
staff read every invoice in their scope. Thin: read through the selectors, render."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from billing.models import Invoice, InvoiceLine
from billing.selectors import invoices_visible_to
from core.api_permissions import area_permission

AREA = "invoices"


class InvoiceLineOutput(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["id", "kind", "label", "quantity", "unit_price", "amount", "events"]


class InvoiceOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code", read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "number", "merchant", "period_start", "period_end", "status", "currency", "subtotal", "total",
                  "issued_at"]


class InvoiceDetailOutput(InvoiceOutput):
    lines = InvoiceLineOutput(many=True, read_only=True)

    class Meta(InvoiceOutput.Meta):
        fields = [*InvoiceOutput.Meta.fields, "lines"]


class InvoiceList(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = InvoiceOutput

    def get_queryset(self):
        return invoices_visible_to(self.request.user)

    @extend_schema(operation_id="v1_billing_invoices_list", responses=InvoiceOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InvoiceOutput(page, many=True).data)


class InvoiceDetail(GenericAPIView):
    permission_classes = [area_permission(AREA)]
    serializer_class = InvoiceDetailOutput

    def get_queryset(self):
        return invoices_visible_to(self.request.user).prefetch_related("lines")

    @extend_schema(operation_id="v1_billing_invoices_retrieve", responses=InvoiceDetailOutput)
    def get(self, request, pk: int):
        return Response(InvoiceDetailOutput(get_object_or_404(self.get_queryset(), pk=pk)).data)
