"""REST for inventory control: the discrepancy queue with each bin's history, resolutions and count tasks."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.filters import filters_apply
from inventory.tenancy import staff_scoped
from warehouse.control.api.serializers import (
    CountTaskCompleteInput,
    CountTaskOutput,
    DiscrepancyOutput,
    DiscrepancyResolveInput,
)
from warehouse.control.selectors import discrepancies_for_output, discrepancy_histories_for
from warehouse.control.services.discrepancies import count_task_complete, discrepancy_resolve
from warehouse.models import CountTask, Discrepancy
from warehouse.selectors import count_tasks_visible_to, discrepancies_visible_to

WAREHOUSE_FILTER = OpenApiParameter("warehouse", str, description="Warehouse code")


def _discrepancy_output(rows: Discrepancy | list[Discrepancy], *, many: bool = False) -> dict | list:
    histories = discrepancy_histories_for(rows if many else [rows])
    return DiscrepancyOutput(rows, many=many, context={"histories": histories}).data


class DiscrepancyList(GenericAPIView):
    """Discrepancies with the bin's history: last count, last receipt, last putaways and picks."""

    permission_classes = [area_permission("discrepancies")]
    serializer_class = DiscrepancyOutput

    def get_queryset(self) -> QuerySet[Discrepancy]:
        rows = staff_scoped(discrepancies_for_output(), self.request.user, merchant="product__merchant_id", warehouse="warehouse_id")
        return filters_apply(rows, self.request.query_params,
                             {"warehouse": "warehouse__code", "status": "status"}).order_by("-created_at", "-id")

    @extend_schema(parameters=[WAREHOUSE_FILTER, OpenApiParameter("status", str, enum=Discrepancy.Status.values)],
                   responses=DiscrepancyOutput(many=True), operation_id="v1_discrepancies_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(_discrepancy_output(page, many=True))


class DiscrepancyResolve(GenericAPIView):
    """Found (unflag), adjusted to `counted_qty` through the ledger, or recount (a count task goes to the floor)."""

    permission_classes = [area_permission("discrepancies")]
    serializer_class = DiscrepancyOutput

    @extend_schema(request=DiscrepancyResolveInput, responses={200: DiscrepancyOutput})
    def post(self, request: Request, pk: int) -> Response:
        data = DiscrepancyResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        discrepancy = discrepancy_resolve(discrepancy=get_object_or_404(discrepancies_visible_to(request.user), pk=pk), actor=request.user,
                                          **data.validated_data)
        return Response(_discrepancy_output(discrepancies_for_output().get(pk=discrepancy.pk)))


class CountTaskList(GenericAPIView):
    permission_classes = [area_permission("discrepancies")]
    serializer_class = CountTaskOutput

    def get_queryset(self) -> QuerySet[CountTask]:
        tasks = staff_scoped(CountTask.objects.select_related("warehouse", "bin", "product", "counted_by"), self.request.user,
                             merchant="product__merchant_id", warehouse="warehouse_id")
        return filters_apply(tasks, self.request.query_params,
                             {"warehouse": "warehouse__code", "status": "status"}).order_by("created_at", "id")

    @extend_schema(parameters=[WAREHOUSE_FILTER, OpenApiParameter("status", str, enum=CountTask.Status.values)],
                   responses=CountTaskOutput(many=True), operation_id="v1_count_tasks_list")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CountTaskOutput(page, many=True).data)


class CountTaskComplete(GenericAPIView):
    """The bin was counted: the ledger follows the count and the flag (and any discrepancy behind it) clears."""

    permission_classes = [area_permission("discrepancies")]
    serializer_class = CountTaskOutput

    @extend_schema(request=CountTaskCompleteInput, responses={200: CountTaskOutput})
    def post(self, request: Request, pk: int) -> Response:
        data = CountTaskCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = count_task_complete(task=get_object_or_404(count_tasks_visible_to(request.user), pk=pk), actor=request.user,
                                   counted_qty=data.validated_data["counted_qty"])
        return Response(CountTaskOutput(CountTask.objects.select_related("warehouse", "bin", "product", "counted_by")
                                        .get(pk=task.pk)).data)
