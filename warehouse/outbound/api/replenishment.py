"""REST for replenishment: pick faces and their bands (managers), and the task queue a handheld works like the
replenishment station: claim the next task, then scan the reserve bin, the item, `x5`, the face."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.errors import NotFound, PermissionDenied
from core.filters import filters_apply, flag, integer
from inventory.models import Product
from inventory.tenancy import staff_scoped, warehouses_visible_to
from layout.models import Bin
from warehouse.api.serializers import ScanInput, StationReplyOutput
from warehouse.models import PickFace, ReplenishmentTask
from warehouse.outbound.api.replenishment_serializers import (
    PickFaceCreateInput,
    PickFaceOutput,
    PickFaceUpdateInput,
    ReplenishmentTaskOutput,
)
from warehouse.outbound.services.pick_faces import pick_face_create, pick_face_update
from warehouse.outbound.services.replenishment import (
    replenishment_claim_next,
    replenishment_release,
    replenishment_scan,
)
from warehouse.services.station_scans import apply_scan_once

WAREHOUSE_FILTER = OpenApiParameter("warehouse", str, description="Warehouse code")
SKU_FILTER = OpenApiParameter("sku", str, description="Product SKU")
PRODUCT_FILTER = OpenApiParameter("product", int, description="Product id")


def _faces(user) -> QuerySet[PickFace]:
    return staff_scoped(PickFace.objects.select_related("warehouse", "bin", "product"), user,
                        merchant="product__merchant_id", warehouse="warehouse_id")


def _tasks(user) -> QuerySet[ReplenishmentTask]:
    return staff_scoped(ReplenishmentTask.objects.select_related("warehouse", "product", "from_bin", "to_bin", "claimed_by"),
                        user, merchant="product__merchant_id", warehouse="warehouse_id")


class PickFaceList(GenericAPIView):
    """Pick faces (filters: warehouse, sku, product, active); POST makes a bin the face of a SKU."""

    permission_classes = [area_permission("picking_manage", safe_area="picking")]
    serializer_class = PickFaceOutput
    queryset = PickFace.objects.none()

    def get_queryset(self) -> QuerySet[PickFace]:
        return filters_apply(_faces(self.request.user), self.request.query_params, {
            "warehouse": "warehouse__code", "sku": "product__sku", "product": ("product_id", integer),
            "active": ("is_active", flag),
        }).order_by("warehouse__code", "bin__code", "id")

    @extend_schema(parameters=[WAREHOUSE_FILTER, SKU_FILTER, PRODUCT_FILTER, OpenApiParameter("active", bool)],
                   responses=PickFaceOutput(many=True), operation_id="v1_pick_faces_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PickFaceOutput(page, many=True).data)

    @extend_schema(request=PickFaceCreateInput, responses={201: PickFaceOutput}, operation_id="v1_pick_faces_create")
    def post(self, request: Request) -> Response:
        data = PickFaceCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        warehouse = warehouses_visible_to(request.user).filter(code=values["warehouse"]).first()
        if warehouse is None:
            raise NotFound(f"no warehouse {values['warehouse']!r}", field="warehouse")
        bin_ = Bin.objects.filter(warehouse=warehouse, code=values["bin"]).first()
        if bin_ is None:
            raise NotFound(f"no bin {values['bin']!r} in {warehouse.code}", field="bin")
        product = staff_scoped(Product.objects.all(), request.user, merchant="merchant_id").filter(pk=values["product"]).first()
        if product is None:
            raise NotFound(f"no product {values['product']}", field="product")
        face = pick_face_create(warehouse=warehouse, bin=bin_, product=product, min_qty=values["min_qty"],
                                max_qty=values["max_qty"], actor=request.user)
        return Response(PickFaceOutput(_faces(request.user).get(pk=face.pk)).data, status=status.HTTP_201_CREATED)


class PickFaceDetail(GenericAPIView):
    """One face; PATCH changes its band (min_qty, max_qty) or switches it off (is_active)."""

    permission_classes = [area_permission("picking_manage", safe_area="picking")]
    serializer_class = PickFaceOutput

    def get(self, request: Request, pk: int) -> Response:
        return Response(PickFaceOutput(get_object_or_404(_faces(request.user), pk=pk)).data)

    @extend_schema(request=PickFaceUpdateInput, responses={200: PickFaceOutput})
    def patch(self, request: Request, pk: int) -> Response:
        face = get_object_or_404(_faces(request.user), pk=pk)
        data = PickFaceUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        pick_face_update(face=face, actor=request.user, **data.validated_data)
        return Response(PickFaceOutput(_faces(request.user).get(pk=face.pk)).data)


class ReplenishmentTaskList(GenericAPIView):
    """Replenishment tasks (filters: warehouse, status, sku), oldest first."""

    permission_classes = [area_permission("picking")]
    serializer_class = ReplenishmentTaskOutput
    queryset = ReplenishmentTask.objects.none()

    def get_queryset(self) -> QuerySet[ReplenishmentTask]:
        return filters_apply(_tasks(self.request.user), self.request.query_params, {
            "warehouse": "warehouse__code", "status": "status", "sku": "product__sku",
        }).order_by("created_at", "id")

    @extend_schema(parameters=[WAREHOUSE_FILTER, SKU_FILTER,
                               OpenApiParameter("status", str, enum=ReplenishmentTask.Status.values)],
                   responses=ReplenishmentTaskOutput(many=True), operation_id="v1_replenishment_tasks_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ReplenishmentTaskOutput(page, many=True).data)


class ReplenishmentClaim(GenericAPIView):
    """The caller's claimed task, or the oldest waiting one in the warehouse; 204 when none wait."""

    permission_classes = [area_permission("picking")]
    serializer_class = ReplenishmentTaskOutput

    @extend_schema(request=None, responses={200: ReplenishmentTaskOutput, 204: None})
    def post(self, request: Request, code: str) -> Response:
        warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
        task = replenishment_claim_next(warehouse=warehouse, actor=request.user)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReplenishmentTaskOutput(_tasks(request.user).get(pk=task.pk)).data)


class ReplenishmentTaskScan(GenericAPIView):
    """One scan for the caller's claimed task (reserve bin, item, `x5`, the face, CMD:RELEASE), applied once per
    scan_id; scanning the face moves the units through the ledger and completes the task when all are moved."""

    permission_classes = [area_permission("picking")]
    serializer_class = StationReplyOutput

    @extend_schema(request=ScanInput, responses={200: StationReplyOutput, 422: StationReplyOutput})
    def post(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(_tasks(request.user), pk=pk)
        data = ScanInput(data=request.data)
        data.is_valid(raise_exception=True)
        code = data.validated_data["code"]
        reply = apply_scan_once(scan_id=data.validated_data["scan_id"], station="replenishment", user=request.user,
                                raw=code, action=lambda: replenishment_scan(task=task, raw=code, actor=request.user))
        return Response(StationReplyOutput(reply.as_dict()).data, status=status.HTTP_200_OK if reply.ok else 422)


class ReplenishmentTaskRelease(GenericAPIView):
    """Give a claimed task back to the queue."""

    permission_classes = [area_permission("picking")]
    serializer_class = ReplenishmentTaskOutput

    @extend_schema(request=None, responses={200: ReplenishmentTaskOutput})
    def post(self, request: Request, pk: int) -> Response:
        task = get_object_or_404(_tasks(request.user), pk=pk)
        if task.claimed_by_id != request.user.pk:
            raise PermissionDenied(f"{task} is not claimed by you")
        replenishment_release(task=task, actor=request.user)
        return Response(ReplenishmentTaskOutput(_tasks(request.user).get(pk=task.pk)).data)
