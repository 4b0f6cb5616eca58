"""REST for cycle counts: a manager's request, the blind count flow of a handheld (claim, scan, finish,
release) and the approval of counts over tolerance."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.errors import NotFound
from inventory.models import Product
from inventory.tenancy import warehouses_visible_to
from layout.models import Bin, Warehouse, Zone
from warehouse.api.serializers import ScanInput, StationReplyOutput
from warehouse.control.api.count_serializers import (
    CountDecisionInput,
    CountFinishInput,
    CountRequestInput,
    CountRequestOutput,
    CountReviewOutput,
    CountStationTaskOutput,
)
from warehouse.control.selectors import count_tasks_for_output
from warehouse.control.services.count_plans import CountRequestRefused, count_request
from warehouse.control.services.counting import (
    STATION,
    count_approve,
    count_claim_next,
    count_finish,
    count_finished_reply,
    count_reject,
    count_release,
    count_scan,
)
from warehouse.models import CountTask
from warehouse.selectors import count_tasks_visible_to
from warehouse.services.station_scans import StationReply, apply_scan_once

COUNTING = area_permission("discrepancies")
APPROVING = area_permission("count_approve")


def _reply(reply: StationReply) -> Response:
    return Response(StationReplyOutput(reply.as_dict()).data, status=status.HTTP_200_OK if reply.ok else 422)


def _forget_pending(pk: int, user):
    return lambda: CountTask.objects.filter(pk=pk, claimed_by=user).update(pending_qty=None)


class CountRequest(GenericAPIView):
    """Raise counts of one bin (every product in it), one SKU (all its bins) or one zone."""

    permission_classes = [COUNTING]
    serializer_class = CountRequestOutput

    @extend_schema(request=CountRequestInput, responses={201: CountRequestOutput})
    def post(self, request: Request) -> Response:
        data = CountRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        warehouse = Warehouse.objects.filter(code=values["warehouse"]).first()
        if warehouse is None:
            raise NotFound(f"no warehouse {values['warehouse']}")
        scope = {}
        if values["bin"]:
            scope["bin"] = Bin.objects.filter(warehouse=warehouse, code=values["bin"].upper()).first()
            if scope["bin"] is None:
                raise CountRequestRefused(f"no bin {values['bin']} in {warehouse.code}")
        if values["zone"]:
            scope["zone"] = Zone.objects.filter(warehouse=warehouse, code=values["zone"]).first()
            if scope["zone"] is None:
                raise CountRequestRefused(f"no zone {values['zone']} in {warehouse.code}")
        if values["sku"]:
            products = list(Product.objects.filter(sku=values["sku"], bin_stock__warehouse=warehouse).distinct()[:2])
            if len(products) != 1:
                raise CountRequestRefused(f"SKU {values['sku']} has no stock in {warehouse.code}" if not products
                                          else f"SKU {values['sku']} belongs to more than one merchant here")
            scope["product"] = products[0]
        raised = count_request(warehouse=warehouse, actor=request.user, reason=values["reason"], **scope)
        return Response(CountRequestOutput({"created": raised.created, "skipped": raised.skipped}).data,
                        status=status.HTTP_201_CREATED)


class CountClaim(GenericAPIView):
    """The counter's count in hand, or the next one claimed; 204 when none is waiting."""

    permission_classes = [COUNTING]
    serializer_class = CountStationTaskOutput

    @extend_schema(request=None, responses={200: CountStationTaskOutput, 204: None})
    def post(self, request: Request, code: str) -> Response:
        task = count_claim_next(warehouse=get_object_or_404(warehouses_visible_to(request.user), code=code), actor=request.user)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(CountStationTaskOutput(count_tasks_for_output().get(pk=task.pk)).data)


class CountScan(GenericAPIView):
    """One scan for the caller's count: the bin, a unit, `x5` before a unit, the bin again to finish."""

    permission_classes = [COUNTING]
    serializer_class = StationReplyOutput

    @extend_schema(request=ScanInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(count_tasks_visible_to(request.user), pk=pk)
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        return _reply(apply_scan_once(
            scan_id=data.validated_data["scan_id"], station=STATION, user=request.user, raw=code,
            action=lambda: count_scan(task=task, raw=code, actor=request.user),
            on_refusal=_forget_pending(task.pk, request.user),
        ))


class CountFinish(GenericAPIView):
    """Every unit scanned: posted at once within tolerance, or waiting for a manager's approval."""

    permission_classes = [COUNTING]
    serializer_class = StationReplyOutput

    @extend_schema(request=CountFinishInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(count_tasks_visible_to(request.user), pk=pk)
        data = CountFinishInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _reply(apply_scan_once(
            scan_id=data.validated_data["scan_id"], station=STATION, user=request.user, raw="CMD:DONE",
            action=lambda: count_finished_reply(count_finish(task=task, actor=request.user)),
        ))


class CountRelease(GenericAPIView):
    permission_classes = [COUNTING]
    serializer_class = CountStationTaskOutput

    @extend_schema(request=None, responses={200: CountStationTaskOutput})
    def post(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(count_tasks_visible_to(request.user), pk=pk, claimed_by=request.user)
        count_release(task=task, actor=request.user)
        return Response(CountStationTaskOutput(count_tasks_for_output().get(pk=task.pk)).data)


class CountReviewList(GenericAPIView):
    """Counts over tolerance waiting for approval: expected against counted and the variance's value."""

    permission_classes = [APPROVING]
    serializer_class = CountReviewOutput

    def get_queryset(self):
        return count_tasks_for_output().filter(status=CountTask.Status.REVIEW).order_by("counted_at", "id")

    @extend_schema(responses=CountReviewOutput(many=True), operation_id="v1_count_reviews_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CountReviewOutput(page, many=True).data)


class CountApprove(GenericAPIView):
    """Post the variance to the ledger with the reason given; closes the count's discrepancy. Not one's own count."""

    permission_classes = [APPROVING]
    serializer_class = CountReviewOutput

    @extend_schema(request=CountDecisionInput, responses={200: CountReviewOutput})
    def post(self, request: Request, pk: int) -> Response:
        data = CountDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = count_approve(task=get_object_or_404(count_tasks_visible_to(request.user), pk=pk), actor=request.user, note=data.validated_data["note"])
        return Response(CountReviewOutput(count_tasks_for_output().get(pk=task.pk)).data)


class CountReject(GenericAPIView):
    """Nothing is posted; a recount goes to the floor (the answer is the recount). Not one's own count."""

    permission_classes = [APPROVING]
    serializer_class = CountReviewOutput

    @extend_schema(request=CountDecisionInput, responses={201: CountReviewOutput})
    def post(self, request: Request, pk: int) -> Response:
        data = CountDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        recount = count_reject(task=get_object_or_404(count_tasks_visible_to(request.user), pk=pk), actor=request.user, note=data.validated_data["note"])
        return Response(CountReviewOutput(count_tasks_for_output().get(pk=recount.pk)).data, status=status.HTTP_201_CREATED)
