from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api_permissions import area_permission
from core.csv_import import ImportRejected
from core.filters import filters_apply, integer, timestamp
from core.openapi import csv_upload_request
from inventory.tenancy import merchant_for_actor
from orders.api.serializers import OrderDetailOutput, OrderInput, OrderOutput
from orders.selectors import order_detail_queryset, orders_visible_to
from orders.services.api_intake import order_create_via_api
from orders.services.csv_intake import orders_import_csv


class OrderList(GenericAPIView):
    permission_classes = [area_permission("order_intake", safe_area="order_read")]
    serializer_class = OrderOutput

    def get_queryset(self):
        return filters_apply(orders_visible_to(self.request.user), self.request.query_params, {
            "status": "status", "channel": ("channel_id", integer), "external_id": "external_id",
            "created_after": ("created_at__gte", timestamp), "created_before": ("created_at__lt", timestamp),
        }).order_by("-created_at", "-id")

    @extend_schema(
        operation_id="v1_orders_list",
        responses=OrderOutput(many=True),
        parameters=[
            OpenApiParameter("status", str), OpenApiParameter("channel", int), OpenApiParameter("external_id", str),
            OpenApiParameter("created_after", str, description="ISO 8601"), OpenApiParameter("created_before", str),
        ],
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrderOutput(page, many=True).data)

    @extend_schema(
        request=OrderInput, responses={201: OrderDetailOutput, 200: OrderDetailOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def post(self, request):
        data = OrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        merchant = merchant_for_actor(request.user, values.pop("merchant", None))
        order, created = order_create_via_api(
            merchant=merchant, data=values, idempotency_key=request.headers.get("Idempotency-Key"), actor=request.user
        )
        # A created order carries its lines, holds and timeline: its body is built from them, not read again.
        body = OrderDetailOutput(order if created else order_detail_queryset(request.user).get(pk=order.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderDetail(GenericAPIView):
    permission_classes = [area_permission("order_read")]
    serializer_class = OrderDetailOutput

    def get(self, request, pk):
        return Response(OrderDetailOutput(get_object_or_404(order_detail_queryset(request.user), pk=pk)).data)


class OrderCsvUpload(GenericAPIView):
    """Upload wholesale / POS orders as CSV (multipart field `file`); all or nothing."""

    permission_classes = [area_permission("order_intake")]
    parser_classes = [MultiPartParser]
    serializer_class = OrderOutput

    @extend_schema(
        request=csv_upload_request(merchant={"type": "string", "description": "Merchant code (staff)"}),
        responses={201: OrderOutput(many=True)},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["attach the CSV as the multipart field 'file'"]})
        merchant = merchant_for_actor(request.user, request.data.get("merchant"))
        try:
            created = orders_import_csv(merchant=merchant, source=upload.file, actor=request.user)
        except ImportRejected as exc:
            return Response(
                {"error": exc.code, "detail": exc.message, "rows": [{"line": e.line, "error": e.message} for e in exc.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(OrderOutput(created, many=True).data, status=status.HTTP_201_CREATED)
