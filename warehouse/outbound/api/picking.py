"""REST for outbound picking: everything the pick station does, for a handheld app, and the manager's side
(waves, session assignment, discrepancies, count tasks)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.errors import NotFound, PermissionDenied
from core.filters import filters_apply
from core.roles import may_use
from inventory.tenancy import staff_scoped, warehouses_visible_to
from warehouse.api.serializers import ScanInput, StationReplyOutput
from warehouse.models import PickLine, PickSession, Wave
from warehouse.outbound.api.picking_serializers import (
    PickAssignInput,
    PickConfirmInput,
    PickFailureInput,
    PickReleaseInput,
    PickSessionOutput,
    WaveOutput,
    WavePlanInput,
)
from warehouse.outbound.selectors import pick_sessions_for_output, waves_for_output
from warehouse.outbound.services.pick_failures import pick_fail
from warehouse.outbound.services.picking import (
    PickRefused,
    pick_claim_next,
    pick_confirm,
    pick_line_sync,
    pick_scan,
    pick_session_assign,
    pick_session_release,
)
from warehouse.outbound.services.waves import wave_plan
from warehouse.selectors import pick_sessions_visible_to
from warehouse.services.station_scans import StationReply, apply_scan_once

PICKING_OR_MANAGE = area_permission("picking") | area_permission("picking_manage")
WAREHOUSE_FILTER = OpenApiParameter("warehouse", str, description="Warehouse code")


def _reply(reply: StationReply) -> Response:
    return Response(StationReplyOutput(reply.as_dict()).data, status=status.HTTP_200_OK if reply.ok else 422)


def _sessions() -> QuerySet[PickSession]:
    return pick_sessions_for_output()


def _held_or_managed(request: Request, pk: int) -> PickSession:
    """The session, if the caller holds it or manages picking."""
    session = get_object_or_404(pick_sessions_visible_to(request.user, _sessions()), pk=pk)
    if session.picker_id != request.user.pk and not may_use(request.user, "picking_manage"):
        holder = f"it belongs to {session.picker.get_username()}" if session.picker else "claim a session first"
        raise PermissionDenied(f"pick session {session} is not yours: {holder}")
    return session


def _finish_if_picked(session: PickSession, reply: StationReply, actor) -> StationReply:
    session.refresh_from_db(fields=["status"])
    if session.status == PickSession.Status.DONE:
        reply.message += ". Session picked: take the cart to pack-out"
        reply.data["done"] = True
    return reply


def _session_line(session: PickSession, line_id: int) -> PickLine:
    line = session.lines.filter(pk=line_id).first()
    if line is None:
        raise PickRefused(f"pick line {line_id} is not in pick session {session}")
    return line


class PickClaim(GenericAPIView):
    """The caller's claimed session, or the most urgent waiting one, with totes assigned; 204 when none wait."""

    permission_classes = [area_permission("picking")]
    serializer_class = PickSessionOutput

    @extend_schema(request=None, responses={200: PickSessionOutput, 204: None})
    def post(self, request: Request, code: str) -> Response:
        session = pick_claim_next(warehouse=get_object_or_404(warehouses_visible_to(request.user), code=code), actor=request.user)
        if session is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(PickSessionOutput(_sessions().get(pk=session.pk)).data)


class PickSessionDetail(GenericAPIView):
    permission_classes = [PICKING_OR_MANAGE]
    serializer_class = PickSessionOutput

    def get(self, request: Request, pk: int) -> Response:
        return Response(PickSessionOutput(_held_or_managed(request, pk)).data)


class PickSessionScan(GenericAPIView):
    """One scan (bin, item, `x3` before the item, CMD:EMPTY / CMD:SHORT / CMD:DAMAGED / CMD:RELEASE),
    applied once per scan_id."""

    permission_classes = [area_permission("picking")]
    serializer_class = StationReplyOutput

    @extend_schema(request=ScanInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(pick_sessions_visible_to(request.user), pk=pk)
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        return _reply(apply_scan_once(
            scan_id=data.validated_data["scan_id"], station="pick", user=request.user, raw=code,
            action=lambda: pick_scan(session=session, raw=code, actor=request.user),
        ))


class PickSessionConfirm(GenericAPIView):
    """Pick `qty` of a line the app verified itself; the bin must have been scanned first (scans/)."""

    permission_classes = [area_permission("picking")]
    serializer_class = StationReplyOutput

    @extend_schema(request=PickConfirmInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(pick_sessions_visible_to(request.user), pk=pk)
        data = PickConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def confirm() -> StationReply:
            line = _session_line(session, values["line_id"])
            changed = pick_line_sync(line, actor=request.user) if line.status == PickLine.Status.OPEN else ""
            if changed:
                return _finish_if_picked(session, StationReply(False, changed, {"code": "order_changed"}), request.user)
            line = pick_confirm(line=line, qty=values["qty"], actor=request.user)
            left = f"{line.remaining} more" if line.remaining else "line done"
            return _finish_if_picked(session, StationReply(
                True, f"Put {values['qty']} x {line.product.sku} in slot {line.slot.slot} ({line.slot.tote.code}): {left}",
                {"picked": values["qty"], "slot": line.slot.slot, "tote": line.slot.tote.code, "line_id": line.pk},
            ), request.user)

        return _reply(apply_scan_once(scan_id=values["scan_id"], station="pick", user=request.user,
                                      raw=f"line {values['line_id']} x{values['qty']}", action=confirm))


class PickSessionFailure(GenericAPIView):
    """Report the line's bin empty, short or damaged: a discrepancy is raised and the line re-sourced."""

    permission_classes = [area_permission("picking")]
    serializer_class = StationReplyOutput

    @extend_schema(request=PickFailureInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(pick_sessions_visible_to(request.user), pk=pk)
        data = PickFailureInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def fail() -> StationReply:
            outcome = pick_fail(line=_session_line(session, values["line_id"]), kind=values["kind"],
                                found_qty=values["found_qty"], actor=request.user)
            return _finish_if_picked(session, StationReply(
                True, outcome.message, {"discrepancy_id": outcome.discrepancy.pk, "failure": True}), request.user)

        return _reply(apply_scan_once(scan_id=values["scan_id"], station="pick", user=request.user,
                                      raw=f"{values['kind']} line {values['line_id']} found {values['found_qty']}",
                                      action=fail))


class PickSessionRelease(GenericAPIView):
    """Back to the queue: by the picker holding it, or by a manager, who must give a reason (400 without one;
    kept on the session as release_reason)."""

    permission_classes = [PICKING_OR_MANAGE]
    serializer_class = PickSessionOutput

    @extend_schema(request=PickReleaseInput, responses={200: PickSessionOutput, 400: OpenApiResponse(
        description="A manager gave no reason, a blank one or one over 500 characters: nothing is released")})
    def post(self, request: Request, pk: int) -> Response:
        held = _held_or_managed(request, pk)
        data = PickReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        session = pick_session_release(session=held, actor=request.user, reason=data.validated_data["reason"])
        return Response(PickSessionOutput(_sessions().get(pk=session.pk)).data)


class PickSessionAssign(GenericAPIView):
    permission_classes = [area_permission("picking_manage")]
    serializer_class = PickSessionOutput

    @extend_schema(request=PickAssignInput, responses={200: PickSessionOutput})
    def post(self, request: Request, pk: int) -> Response:
        session = get_object_or_404(pick_sessions_visible_to(request.user), pk=pk)
        data = PickAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        who = {"username": values["username"]} if "username" in values else {"pk": values["user_id"]}
        picker = get_user_model().objects.filter(is_active=True, **who).first()
        if picker is None:
            raise NotFound(f"no active user {next(iter(who.values()))}")
        session = pick_session_assign(session=session, picker=picker, actor=request.user)
        return Response(PickSessionOutput(_sessions().get(pk=session.pk)).data)


def _waves() -> QuerySet[Wave]:
    return waves_for_output()


class WavePlan(GenericAPIView):
    """Plan released orders of the warehouse into pick sessions."""

    permission_classes = [area_permission("picking_manage")]
    serializer_class = WaveOutput

    @extend_schema(request=WavePlanInput, responses={201: WaveOutput})
    def post(self, request: Request, code: str) -> Response:
        data = WavePlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        wave = wave_plan(warehouse=get_object_or_404(warehouses_visible_to(request.user), code=code), actor=request.user, **data.validated_data)
        return Response(WaveOutput(_waves().get(pk=wave.pk)).data, status=status.HTTP_201_CREATED)


class WaveList(GenericAPIView):
    permission_classes = [area_permission("picking_manage")]
    serializer_class = WaveOutput

    def get_queryset(self) -> QuerySet[Wave]:
        waves = staff_scoped(_waves(), self.request.user, warehouse="warehouse_id")
        return filters_apply(waves.order_by("-created_at", "-id"), self.request.query_params,
                             {"warehouse": "warehouse__code", "status": "status"})

    @extend_schema(parameters=[WAREHOUSE_FILTER, OpenApiParameter("status", str)], responses=WaveOutput(many=True),
                   operation_id="v1_waves_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WaveOutput(page, many=True).data)
