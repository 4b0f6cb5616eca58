from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from layout.models import Bin, Warehouse


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "14:00:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the warehouse's own time zone ("14:00:00"): no offset, so not an RFC 3339 `time`."""


class WarehouseOutput(serializers.ModelSerializer):
    order_cutoff = LocalTimeField(read_only=True, help_text="Local time (the warehouse's time zone) orders must be "
                                                            "released by")

    class Meta:
        model = Warehouse
        fields = [
            "id", "code", "name", "address_line1", "city", "region", "postal_code", "country", "latitude",
            "longitude", "square_feet", "timezone", "order_cutoff", "sla_ship_hours", "sla_dock_to_stock_hours",
            "sla_returns_hours", "is_active",
        ]


class BinOutput(serializers.ModelSerializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", read_only=True)
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True)
    zone_kind = serializers.CharField(source="zone.kind", read_only=True)

    class Meta:
        model = Bin
        fields = [
            "id", "warehouse", "zone", "zone_kind", "code", "barcode", "kind", "walk_x", "walk_y", "aisle",
            "pick_sequence", "capacity", "is_pickable", "is_active",
        ]


# What every scan station's REST endpoint takes and answers (receiving, putaway, picking, packing).
class ScanInput(serializers.Serializer):
    scan_id = serializers.UUIDField(help_text="Made by the client, one per scan; a retry re-sends the same id")
    code = serializers.CharField(max_length=200, allow_blank=True)


class StationReplyOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    data = serializers.DictField()
    replayed = serializers.BooleanField()
