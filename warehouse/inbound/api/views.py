"""REST for inbound: everything the receiving and putaway stations do, for a handheld app."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply, flag
from core.openapi import csv_upload_request
from inventory.models import Product
from inventory.selectors import merchant_of
from inventory.tenancy import merchant_for_actor, staff_scoped, warehouses_visible_to
from layout.models import Bin
from warehouse.api.serializers import ScanInput, StationReplyOutput
from warehouse.inbound.api.serializers import (
    ExceptionResolveInput,
    PurchaseOrderInput,
    PurchaseOrderOutput,
    PutawayClaimInput,
    PutawayConfirmInput,
    PutawayTaskOutput,
    ReceiptCloseInput,
    ReceiptOpenInput,
    ReceiptOutput,
    ReceivingExceptionOutput,
)
from warehouse.inbound.services.purchase_orders import (
    ExpectedLine,
    InvalidPurchaseOrder,
    purchase_order_create,
    purchase_orders_import,
)
from warehouse.inbound.services.putaway import putaway_claim_next, putaway_confirm, putaway_release, putaway_scan
from warehouse.inbound.services.receiving import (
    ReceivingRefused,
    exception_resolve,
    receipt_close,
    receipt_open,
    receiving_scan,
    unknown_barcode_map,
)
from warehouse.models import PurchaseOrder, PutawayTask, ReceivingException
from warehouse.selectors import putaway_tasks_visible_to, receipts_visible_to, receiving_exceptions_visible_to
from warehouse.services.station_scans import StationReply, apply_scan_once


def _pos(user):
    return PurchaseOrder.objects.visible_to(user).select_related("merchant", "warehouse").prefetch_related("lines__product")


def _reply(reply: StationReply) -> Response:
    return Response(StationReplyOutput(reply.as_dict()).data, status=status.HTTP_200_OK if reply.ok else 422)


class PurchaseOrderList(GenericAPIView):
    permission_classes = [area_permission("inbound")]
    serializer_class = PurchaseOrderOutput

    def get_queryset(self):
        return filters_apply(_pos(self.request.user).order_by("-created_at"), self.request.query_params,
                             {"status": "status"})

    @extend_schema(operation_id="v1_purchase_orders_list", responses=PurchaseOrderOutput(many=True),
                   parameters=[OpenApiParameter("status", str)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PurchaseOrderOutput(page, many=True).data)

    @extend_schema(request=PurchaseOrderInput, responses={201: PurchaseOrderOutput})
    def post(self, request):
        data = PurchaseOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        merchant = merchant_for_actor(request.user, values.pop("merchant", None))
        warehouse = warehouses_visible_to(request.user).filter(code=values.pop("warehouse")).first()
        if warehouse is None:
            raise InvalidPurchaseOrder("unknown warehouse")
        lines = [ExpectedLine(**line) for line in values.pop("lines")]
        po = purchase_order_create(merchant=merchant, warehouse=warehouse, lines=lines, actor=request.user, **values)
        return Response(PurchaseOrderOutput(_pos(request.user).get(pk=po.pk)).data, status=status.HTTP_201_CREATED)


class PurchaseOrderDetail(GenericAPIView):
    permission_classes = [area_permission("inbound")]
    serializer_class = PurchaseOrderOutput

    def get(self, request, pk):
        return Response(PurchaseOrderOutput(get_object_or_404(_pos(request.user), pk=pk)).data)


class PurchaseOrderCsvUpload(GenericAPIView):
    """Upload POs / ASNs as CSV (multipart field `file`); all or nothing."""

    permission_classes = [area_permission("inbound")]
    parser_classes = [MultiPartParser]
    serializer_class = PurchaseOrderOutput

    @extend_schema(
        request=csv_upload_request(),
        responses={201: {"type": "object", "properties": {"created": {"type": "integer"}}, "required": ["created"]}},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidPurchaseOrder("attach the CSV as the multipart field 'file'")
        report = purchase_orders_import(source=upload, merchant=merchant_of(request.user), actor=request.user)
        return Response({"created": report.created}, status=status.HTTP_201_CREATED)


class ReceiptOpen(GenericAPIView):
    permission_classes = [area_permission("receiving")]
    serializer_class = ReceiptOutput

    @extend_schema(request=ReceiptOpenInput, responses={201: ReceiptOutput})
    def post(self, request):
        data = ReceiptOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        po = get_object_or_404(PurchaseOrder.objects.visible_to(request.user), pk=data.validated_data["purchase_order"])
        dock = None
        if data.validated_data.get("dock_bin"):
            dock = Bin.objects.filter(warehouse_id=po.warehouse_id, code=data.validated_data["dock_bin"]).first()
            if dock is None:
                raise ReceivingRefused(f"no bin {data.validated_data['dock_bin']} in {po.warehouse.code}")
        receipt = receipt_open(purchase_order=po, actor=request.user, dock_bin=dock)
        return Response(ReceiptOutput(receipt).data, status=status.HTTP_201_CREATED)


class ReceiptDetail(GenericAPIView):
    permission_classes = [area_permission("receiving")]
    serializer_class = ReceiptOutput

    def get(self, request, pk):
        return Response(ReceiptOutput(get_object_or_404(receipts_visible_to(request.user), pk=pk)).data)


class ReceiptScan(GenericAPIView):
    """One scan (item, GS1, SSCC, quantity `x5`, dock bin, command) applied once per scan_id."""

    permission_classes = [area_permission("receiving")]
    serializer_class = StationReplyOutput

    @extend_schema(request=ScanInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request, pk):
        receipt = get_object_or_404(receipts_visible_to(request.user), pk=pk)
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        return _reply(apply_scan_once(
            scan_id=data.validated_data["scan_id"], station="receiving", user=request.user, raw=code,
            action=lambda: receiving_scan(receipt=receipt, raw=code, actor=request.user),
        ))


class ReceiptClose(GenericAPIView):
    permission_classes = [area_permission("receiving")]
    serializer_class = ReceiptOutput

    @extend_schema(request=ReceiptCloseInput, responses={200: ReceiptOutput})
    def post(self, request, pk):
        data = ReceiptCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = receipt_close(receipt=get_object_or_404(receipts_visible_to(request.user), pk=pk), actor=request.user, **data.validated_data)
        return Response(ReceiptOutput(receipt).data)


class PutawayClaim(GenericAPIView):
    """The caller's claimed task, or the next open one (of `sku` when given); 204 when none wait."""

    permission_classes = [area_permission("receiving")]
    serializer_class = PutawayTaskOutput

    @extend_schema(request=PutawayClaimInput, responses={200: PutawayTaskOutput, 204: None})
    def post(self, request, code):
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
        data = PutawayClaimInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = None
        if data.validated_data.get("sku"):
            waiting = PutawayTask.objects.filter(
                warehouse=warehouse, product__sku=data.validated_data["sku"], status=PutawayTask.Status.OPEN
            ).select_related("product").first()
            if waiting is None:
                return Response(status=status.HTTP_204_NO_CONTENT)
            product = waiting.product
        task = putaway_claim_next(warehouse=warehouse, actor=request.user, product=product)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(PutawayTaskOutput(task).data)


class PutawayTaskScan(GenericAPIView):
    permission_classes = [area_permission("receiving")]
    serializer_class = StationReplyOutput

    @extend_schema(request=ScanInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request, pk):
        task = get_object_or_404(putaway_tasks_visible_to(request.user), pk=pk)
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        return _reply(apply_scan_once(
            scan_id=data.validated_data["scan_id"], station="putaway", user=request.user, raw=code,
            action=lambda: putaway_scan(task=task, raw=code, actor=request.user),
        ))


class PutawayTaskConfirm(GenericAPIView):
    permission_classes = [area_permission("receiving")]
    serializer_class = StationReplyOutput

    @extend_schema(request=PutawayConfirmInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request, pk):
        task = get_object_or_404(putaway_tasks_visible_to(request.user), pk=pk)
        data = PutawayConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def confirm():
            to_bin = Bin.objects.filter(warehouse_id=task.warehouse_id, code=values["bin"].upper()).first()
            if to_bin is None:
                raise ReceivingRefused(f"no bin {values['bin']} in this warehouse")
            done = putaway_confirm(task=task, to_bin=to_bin, qty=values["qty"], actor=request.user,
                                   override_reason=values["override_reason"])
            return StationReply(True, f"Put {values['qty']} in {to_bin.code}", dict(PutawayTaskOutput(done).data))

        return _reply(apply_scan_once(scan_id=values["scan_id"], station="putaway", user=request.user,
                                      raw=f"{values['bin']} x{values['qty']}", action=confirm))


class PutawayTaskRelease(GenericAPIView):
    permission_classes = [area_permission("receiving")]
    serializer_class = PutawayTaskOutput

    @extend_schema(request=None, responses={200: PutawayTaskOutput})
    def post(self, request, pk):
        task = get_object_or_404(putaway_tasks_visible_to(request.user), pk=pk)
        return Response(PutawayTaskOutput(putaway_release(task=task, actor=request.user)).data)


class ReceivingExceptionList(GenericAPIView):
    permission_classes = [area_permission("inbound_manage")]
    serializer_class = ReceivingExceptionOutput

    def get_queryset(self):
        rows = staff_scoped(ReceivingException.objects.select_related("receipt__purchase_order", "product"), self.request.user,
                            merchant="receipt__purchase_order__merchant_id", warehouse="receipt__warehouse_id")
        rows = rows.order_by("-recorded_at")
        return filters_apply(rows, self.request.query_params, {"open": ("resolved_at__isnull", flag), "kind": "kind"})

    @extend_schema(responses=ReceivingExceptionOutput(many=True),
                   parameters=[OpenApiParameter("open", bool), OpenApiParameter("kind", str)])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReceivingExceptionOutput(page, many=True).data)


class ReceivingExceptionResolve(GenericAPIView):
    """Resolve with words, or map an unknown barcode to a SKU (`sku`)."""

    permission_classes = [area_permission("inbound_manage")]
    serializer_class = ReceivingExceptionOutput

    @extend_schema(request=ExceptionResolveInput, responses={200: ReceivingExceptionOutput})
    def post(self, request, pk):
        exception = get_object_or_404(receiving_exceptions_visible_to(request.user, ReceivingException.objects.select_related("receipt__purchase_order")), pk=pk)
        data = ExceptionResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("sku"):
            product = Product.objects.filter(
                merchant_id=exception.receipt.purchase_order.merchant_id, sku=data.validated_data["sku"]
            ).first()
            if product is None:
                raise ReceivingRefused(f"no SKU {data.validated_data['sku']} for this merchant")
            exception = unknown_barcode_map(exception=exception, product=product, actor=request.user)
        else:
            exception = exception_resolve(exception=exception, actor=request.user,
                                          resolution=data.validated_data["resolution"])
        return Response(ReceivingExceptionOutput(exception).data)
