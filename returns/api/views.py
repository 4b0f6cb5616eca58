"""REST for returns: RMAs (with Idempotency-Key), labels and slips, receiving scans, grading, the
unexpected-parcel queue, reason codes and grades, flush batches, insight. Thin: parse, call one service."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply
from inventory.models import Product
from inventory.selectors import merchant_of
from inventory.tenancy import merchant_for_actor, warehouses_visible_to
from layout.models import Bin
from orders.selectors import orders_visible_to
from returns.api import serializers as s
from returns.exceptions import ReturnNotFound, ReturnRefused
from returns.models import (
    FlushBatch,
    Grade,
    ParcelStatus,
    ReasonCode,
    ReturnAuthorization,
    ReturnParcel,
)
from returns.printing import rma_slip_pdf, rma_slip_zpl
from returns.selectors import (
    flush_batches,
    flush_batches_visible_to,
    parcels_visible_to,
    returns_insight,
    rma_detail_queryset,
    rmas_visible_to,
    units_visible_to,
)
from returns.services.catalog import grade_add, reason_code_add
from returns.services.flush import (
    FLUSH_AREA,
    FlushItem,
    flush_batch_approve,
    flush_batch_cancel,
    flush_batch_create,
    flush_batch_execute,
)
from returns.services.grading import unit_grade
from returns.services.labels import rma_label_buy
from returns.services.receiving import (
    parcel_finish,
    parcel_match,
    parcel_receive,
    unit_receive,
)
from returns.services.resolutions import rma_close, rma_resolve
from returns.services.rmas import (
    RequestedLine,
    rma_authorize,
    rma_cancel,
    rma_create_via_api,
)
from returns.views.flush import flush_csv_response

RMA_AREA, BENCH_AREA = "rma", "returns"
FORMAT = OpenApiParameter("type", str, enum=["pdf", "zpl"], description="pdf (default) or zpl for a thermal printer")


def _rma(request, pk: int) -> ReturnAuthorization:
    return get_object_or_404(rmas_visible_to(request.user), pk=pk)


def _rma_body(request, rma) -> dict:
    return s.RmaDetailOutput(rma_detail_queryset(request.user).get(pk=rma.pk)).data


class RmaList(GenericAPIView):
    permission_classes = [area_permission(RMA_AREA)]
    serializer_class = s.RmaOutput

    def get_queryset(self):
        rows = rmas_visible_to(self.request.user).prefetch_related("lines__product", "lines__reason").order_by("-pk")
        return filters_apply(rows, self.request.query_params, {"status": "status"})

    @extend_schema(operation_id="v1_returns_rmas_list", responses=s.RmaOutput(many=True),
                   parameters=[OpenApiParameter("status", str)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.RmaOutput(page, many=True).data)

    @extend_schema(request=s.RmaInput, responses={201: s.RmaDetailOutput, 200: s.RmaDetailOutput},
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)])
    def post(self, request):
        data = s.RmaInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        orders = orders_visible_to(request.user)
        order = (orders.filter(pk=values["order_id"]).first() if values.get("order_id")
                 else orders.filter(external_id=values["channel_order_id"]).order_by("-pk").first())
        if order is None:
            raise ReturnNotFound("no such order")
        by_sku = {line.sku: line.pk for line in order.lines.all()}
        lines = []
        for line in values["lines"]:
            line_id = line.get("order_line_id") or by_sku.get(line.get("sku"))
            if line_id is None:
                raise ReturnRefused(f"{line.get('sku')} is not on order {order.order_number}")
            lines.append(RequestedLine(order_line_id=line_id, qty=line["qty"], reason=line["reason"],
                                       exchange_sku=line.get("exchange_sku", "")))
        source = "merchant portal" if merchant_of(request.user) else "REST API"
        rma, created = rma_create_via_api(order=order, lines=lines, resolution=values["resolution"], actor=request.user,
                                          source=source, idempotency_key=request.headers.get("Idempotency-Key"),
                                          body=request.data)
        if created and values["buy_label"]:
            rma = rma_label_buy(rma=rma, actor=request.user)
        return Response(_rma_body(request, rma), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RmaDetail(GenericAPIView):
    permission_classes = [area_permission(RMA_AREA)]
    serializer_class = s.RmaDetailOutput

    def get(self, request, pk: int):
        return Response(_rma_body(request, _rma(request, pk)))


def _action(service, operation_id: str):
    class RmaAction(GenericAPIView):
        permission_classes = [area_permission(RMA_AREA)]
        serializer_class = s.RmaDetailOutput

        @extend_schema(operation_id=operation_id, request=None, responses=s.RmaDetailOutput)
        def post(self, request, pk: int):
            rma = service(rma=_rma(request, pk), actor=request.user)
            return Response(_rma_body(request, rma))

    RmaAction.__name__ = operation_id
    return RmaAction


RmaAuthorize = _action(rma_authorize, "v1_returns_rma_authorize")
RmaResolve = _action(rma_resolve, "v1_returns_rma_resolve")
RmaClose = _action(rma_close, "v1_returns_rma_close")
RmaLabelBuy = _action(rma_label_buy, "v1_returns_rma_label_buy")
RmaCancel = _action(lambda *, rma, actor: rma_cancel(rma=rma, actor=actor, reason="cancelled over the API"),
                    "v1_returns_rma_cancel")


class RmaSlip(GenericAPIView):
    permission_classes = [area_permission(RMA_AREA)]

    @extend_schema(parameters=[FORMAT], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        rma = _rma(request, pk)
        if request.query_params.get("type") == "zpl":
            return HttpResponse(rma_slip_zpl(rma), content_type="application/zpl")
        return HttpResponse(rma_slip_pdf(rma), content_type="application/pdf")


class RmaLabel(GenericAPIView):
    permission_classes = [area_permission(RMA_AREA)]

    @extend_schema(parameters=[FORMAT], responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: None})
    def get(self, request, pk: int):
        rma = get_object_or_404(ReturnAuthorization.objects.visible_to(request.user), pk=pk, label_status="bought")
        if request.query_params.get("type") == "zpl":
            return HttpResponse(rma.label_zpl, content_type="application/zpl")
        return HttpResponse(bytes(rma.label_pdf), content_type="application/pdf")


# --- the returns bench --------------------------------------------------------------------------------

class ParcelList(GenericAPIView):
    permission_classes = [area_permission(BENCH_AREA)]
    serializer_class = s.ParcelOutput

    def get_queryset(self):
        rows = ReturnParcel.objects.select_related("warehouse", "rma", "holding_bin").order_by("-pk")
        return filters_apply(rows, self.request.query_params, {"status": "status"})

    @extend_schema(operation_id="v1_returns_parcels_list", responses=s.ParcelOutput(many=True),
                   parameters=[OpenApiParameter("status", str, enum=ParcelStatus.values)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ParcelOutput(page, many=True).data)

    @extend_schema(request=s.ParcelScanInput, responses={201: s.ParcelOutput})
    def post(self, request):
        data = s.ParcelScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=data.validated_data["warehouse"])
        parcel = parcel_receive(warehouse=warehouse, raw=data.validated_data["code"], actor=request.user,
                                note=data.validated_data["note"])
        return Response(s.ParcelOutput(parcel).data, status=status.HTTP_201_CREATED)


class ParcelMatch(GenericAPIView):
    permission_classes = [area_permission(BENCH_AREA)]
    serializer_class = s.ParcelOutput

    @extend_schema(request=s.ParcelMatchInput, responses=s.ParcelOutput)
    def post(self, request, pk: int):
        data = s.ParcelMatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["rma"].strip().upper().removeprefix("RMA:")
        rma = ReturnAuthorization.objects.visible_to(request.user).filter(number=number).first()
        if rma is None:
            raise ReturnNotFound(f"no return {number}")
        parcel = parcel_match(parcel=get_object_or_404(parcels_visible_to(request.user), pk=pk), rma=rma, actor=request.user)
        return Response(s.ParcelOutput(parcel).data)


class ParcelUnits(GenericAPIView):
    permission_classes = [area_permission(BENCH_AREA)]
    serializer_class = s.UnitOutput

    @extend_schema(request=s.UnitScanInput, responses={201: s.UnitOutput})
    def post(self, request, pk: int):
        data = s.UnitScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        unit = unit_receive(parcel=get_object_or_404(parcels_visible_to(request.user), pk=pk), raw=data.validated_data["code"], actor=request.user)
        return Response(s.UnitOutput(unit).data, status=status.HTTP_201_CREATED)


class ParcelFinish(GenericAPIView):
    permission_classes = [area_permission(BENCH_AREA)]
    serializer_class = s.ParcelOutput

    @extend_schema(request=None, responses=s.ParcelOutput)
    def post(self, request, pk: int):
        parcel = parcel_finish(parcel=get_object_or_404(parcels_visible_to(request.user), pk=pk), actor=request.user)
        return Response(s.ParcelOutput(parcel).data)


class UnitGrade(GenericAPIView):
    permission_classes = [area_permission(BENCH_AREA)]
    serializer_class = s.UnitOutput

    @extend_schema(request=s.GradeInput, responses=s.UnitOutput)
    def post(self, request, pk: int):
        data = s.GradeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = get_object_or_404(units_visible_to(request.user).select_related("rma"), pk=pk)
        to_bin = None
        if values.get("bin"):
            code = values["bin"].strip().upper().removeprefix("BIN:")
            to_bin = Bin.objects.filter(warehouse_id=unit.rma.warehouse_id, code=code).first()
            if to_bin is None:
                raise ReturnRefused(f"no bin {code} in this warehouse")
        unit = unit_grade(unit=unit, grade_code=values["grade"], disposition=values.get("disposition"), to_bin=to_bin,
                          notes=values["notes"], actor=request.user)
        return Response(s.UnitOutput(unit).data)


# --- reasons and grades -------------------------------------------------------------------------------

def _own_and_defaults(model, user):
    merchant = merchant_of(user)
    rows = model.objects.filter(is_active=True).select_related("merchant")
    return rows.filter(Q(merchant__isnull=True) | Q(merchant=merchant)) if merchant else rows


class ReasonList(GenericAPIView):
    permission_classes = [area_permission("catalog_edit", safe_area=RMA_AREA)]
    serializer_class = s.ReasonOutput
    pagination_class = None

    def get_queryset(self):
        return _own_and_defaults(ReasonCode, self.request.user)

    @extend_schema(operation_id="v1_returns_reasons_list", responses=s.ReasonOutput(many=True))
    def get(self, request):
        return Response(s.ReasonOutput(self.get_queryset(), many=True).data)

    @extend_schema(request=s.ReasonInput, responses={201: s.ReasonOutput})
    def post(self, request):
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = merchant_for_actor(request.user, data.validated_data.get("merchant"))
        reason = reason_code_add(merchant=merchant, code=data.validated_data["code"], label=data.validated_data["label"])
        return Response(s.ReasonOutput(reason).data, status=status.HTTP_201_CREATED)


class GradeList(GenericAPIView):
    permission_classes = [area_permission("catalog_edit", safe_area=RMA_AREA)]
    serializer_class = s.GradeOutput
    pagination_class = None

    def get_queryset(self):
        return _own_and_defaults(Grade, self.request.user)

    @extend_schema(operation_id="v1_returns_grades_list", responses=s.GradeOutput(many=True))
    def get(self, request):
        return Response(s.GradeOutput(self.get_queryset(), many=True).data)

    @extend_schema(request=s.GradeDefinitionInput, responses={201: s.GradeOutput})
    def post(self, request):
        data = s.GradeDefinitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        merchant = merchant_for_actor(request.user, values.pop("merchant", None))
        return Response(s.GradeOutput(grade_add(merchant=merchant, **values)).data, status=status.HTTP_201_CREATED)


# --- flush batches ------------------------------------------------------------------------------------

class FlushBatchList(GenericAPIView):
    permission_classes = [area_permission(FLUSH_AREA)]
    serializer_class = s.FlushBatchOutput

    def get_queryset(self):
        return flush_batches().prefetch_related("lines__product", "lines__bin").order_by("-pk")

    @extend_schema(operation_id="v1_returns_flush_batches_list", responses=s.FlushBatchOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.FlushBatchOutput(page, many=True).data)

    @extend_schema(request=s.FlushBatchInput, responses={201: s.FlushBatchOutput})
    def post(self, request):
        data = s.FlushBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=values["warehouse"])
        items = []
        for line in values["lines"]:
            products = Product.objects.filter(sku=line["sku"])
            if line.get("merchant"):
                products = products.filter(merchant__code=line["merchant"])
            product = products.first() if products.count() == 1 else None
            bin_ = Bin.objects.filter(warehouse=warehouse, code=line["bin"].upper().removeprefix("BIN:")).first()
            if product is None or bin_ is None:
                raise ReturnRefused(f"{line['sku']} in {line['bin']}: unknown product (name its merchant if several have it) or bin")
            items.append(FlushItem(product=product, bin=bin_, qty=line["qty"], disposition=line["disposition"],
                                   condition=line["condition"]))
        batch = flush_batch_create(warehouse=warehouse, items=items, reason=values["reason"], actor=request.user)
        return Response(s.FlushBatchOutput(batch).data, status=status.HTTP_201_CREATED)


class FlushBatchDetail(GenericAPIView):
    permission_classes = [area_permission(FLUSH_AREA)]
    serializer_class = s.FlushBatchOutput

    def get(self, request, pk: int):
        return Response(s.FlushBatchOutput(get_object_or_404(flush_batches_visible_to(request.user), pk=pk)).data)


def _flush_action(service, operation_id: str):
    class FlushAction(GenericAPIView):
        permission_classes = [area_permission(FLUSH_AREA)]
        serializer_class = s.FlushBatchOutput

        @extend_schema(operation_id=operation_id, request=None, responses=s.FlushBatchOutput)
        def post(self, request, pk: int):
            batch = service(batch=get_object_or_404(flush_batches_visible_to(request.user), pk=pk), actor=request.user)
            return Response(s.FlushBatchOutput(FlushBatch.objects.get(pk=batch.pk)).data)

    FlushAction.__name__ = operation_id
    return FlushAction


FlushBatchApprove = _flush_action(flush_batch_approve, "v1_returns_flush_batch_approve")
FlushBatchExecute = _flush_action(flush_batch_execute, "v1_returns_flush_batch_execute")
FlushBatchCancel = _flush_action(flush_batch_cancel, "v1_returns_flush_batch_cancel")


class FlushBatchCsv(GenericAPIView):
    permission_classes = [area_permission(FLUSH_AREA)]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        return flush_csv_response(get_object_or_404(flush_batches_visible_to(request.user), pk=pk))


class Insight(GenericAPIView):
    permission_classes = [area_permission("dashboards", safe_area="dashboards")]

    @extend_schema(responses={200: OpenApiResponse(description="grading times and return rates")})
    def get(self, request):
        return Response(returns_insight(merchant=merchant_of(request.user)))
