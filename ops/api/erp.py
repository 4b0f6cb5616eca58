"""The ERP feed over REST: `/api/v1/erp/movements/` and `/api/v1/erp/shipments/`, JSON pages with a cursor, or
the same rows as streamed CSV (`?format=csv`, the next cursor in the `X-Next-Cursor` header)."""

from __future__ import annotations

import csv

from django.http import Http404, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.api_permissions import area_permission
from core.filters import InvalidFilter
from inventory.models import Movement
from ops.selectors import erp
from ops.views.lists import _cell, _Echo
from shipping.models import Shipment


class CSVRenderer(renderers.BaseRenderer):
    """Chosen by `?format=csv`; the view streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes | str) else str(data)


class MovementRow(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    merchant = serializers.CharField()
    sku = serializers.CharField()
    warehouse = serializers.CharField()
    bin = serializers.CharField()
    qty = serializers.IntegerField(help_text="Signed: into the bin positive, out of it negative")
    kind = serializers.CharField()
    condition = serializers.CharField()
    lot = serializers.CharField()
    reason = serializers.CharField()
    reference = serializers.CharField()
    actor = serializers.CharField()
    operation = serializers.UUIDField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2)


class MovementPage(serializers.Serializer):
    results = MovementRow(many=True)
    next_cursor = serializers.CharField(help_text="Pass it back as `cursor` for the rows after these")
    has_more = serializers.BooleanField(help_text="More final rows are waiting: ask again at once")


class ShipmentLine(serializers.Serializer):
    order_line_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    qty = serializers.IntegerField()


class ShipmentRow(serializers.Serializer):
    id = serializers.IntegerField()
    shipped_at = serializers.DateTimeField()
    merchant = serializers.CharField()
    order_number = serializers.CharField()
    channel_order_id = serializers.CharField()
    warehouse = serializers.CharField()
    carrier = serializers.CharField()
    service = serializers.CharField()
    tracking_number = serializers.CharField()
    rate_amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    rate_currency = serializers.CharField()
    weight_g = serializers.IntegerField()
    units = serializers.IntegerField()
    contents = ShipmentLine(many=True)


class ShipmentPage(serializers.Serializer):
    results = ShipmentRow(many=True)
    next_cursor = serializers.CharField(help_text="Pass it back as `cursor` for the rows after these")
    has_more = serializers.BooleanField(help_text="More final rows are waiting: ask again at once")


PARAMETERS = [
    OpenApiParameter("cursor", str, description="The next_cursor of the previous page; none for the start"),
    OpenApiParameter("limit", int, description=f"Rows per page, 1 to {erp.MAX_LIMIT} (default {erp.DEFAULT_LIMIT})"),
    OpenApiParameter("format", str, enum=["json", "csv"], description="csv streams every final row after the cursor (the first `limit` when given)"),
]


def _limit(raw: str | None, default: int | None = erp.DEFAULT_LIMIT) -> int | None:
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= erp.MAX_LIMIT:
        raise InvalidFilter(f"filter 'limit' must be a whole number from 1 to {erp.MAX_LIMIT}", parameter="limit")
    return int(raw)


def _csv_value(value) -> str:
    if isinstance(value, list):  # a shipment's contents
        return " ".join(f"{entry['product_id']}x{entry['qty']}" for entry in value)
    return _cell(value)


class _FeedView(GenericAPIView):
    permission_classes = [area_permission("erp")]
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer]
    pagination_class = None
    feed_name = ""
    page_serializer: type[serializers.Serializer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if force:
                raise
            raise InvalidFilter("filter 'format' must be json or csv", parameter="format") from None

    def handle_exception(self, exc):
        # A refusal answers JSON, whichever format was asked for.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    def get(self, request):
        cursor = request.query_params.get("cursor")
        if request.accepted_renderer.format == "csv":
            return self._csv(cursor, _limit(request.query_params.get("limit"), default=None))
        page = erp.erp_feed_page(feed_name=self.feed_name, user=request.user, cursor=cursor,
                                 limit=_limit(request.query_params.get("limit")) or erp.DEFAULT_LIMIT)
        return Response(self.page_serializer({"results": page.rows, "next_cursor": page.next_cursor,
                                              "has_more": page.has_more}).data)

    def _csv(self, cursor: str | None, limit: int | None) -> StreamingHttpResponse:
        export = erp.erp_feed_export(feed_name=self.feed_name, user=self.request.user, cursor=cursor, limit=limit)
        columns = export.feed.columns
        writer = csv.writer(_Echo())

        def stream():
            yield writer.writerow(columns)
            for row in export.rows():
                yield writer.writerow([_csv_value(row[column]) for column in columns])

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="erp-{self.feed_name}.csv"'
        response["X-Next-Cursor"] = export.next_cursor
        return response


class MovementFeed(_FeedView):
    """The stock ledger for the ERP: every movement once, in commit-safe order, after the cursor."""

    queryset = Movement.objects.none()
    serializer_class = MovementRow
    feed_name = erp.MOVEMENTS
    page_serializer = MovementPage

    @extend_schema(responses=MovementPage, parameters=PARAMETERS)
    def get(self, request):
        return super().get(request)


class ShipmentFeed(_FeedView):
    """Shipped cartons for the ERP: every carton once, in the order they shipped, after the cursor."""

    queryset = Shipment.objects.none()
    serializer_class = ShipmentRow
    feed_name = erp.SHIPMENTS
    page_serializer = ShipmentPage

    @extend_schema(responses=ShipmentPage, parameters=PARAMETERS)
    def get(self, request):
        return super().get(request)
