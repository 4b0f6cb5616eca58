from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warehouse.models import (
    DiscrepancyKind,
    PickLine,
    PickSession,
    PickSlot,
    PickStrategy,
    Wave,
)


class PickSlotOutput(serializers.ModelSerializer):
    tote = serializers.CharField(source="tote.code", allow_null=True, default=None)
    fulfillment_order = serializers.IntegerField(source="fulfillment_order_id")
    order_number = serializers.CharField(source="fulfillment_order.order.order_number")

    class Meta:
        model = PickSlot
        fields = ["slot", "tote", "fulfillment_order", "order_number"]


class PickLineOutput(serializers.ModelSerializer):
    bin = serializers.CharField(source="bin.code")
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    remaining = serializers.IntegerField()
    slot = serializers.IntegerField(source="slot.slot")
    tote = serializers.CharField(source="slot.tote.code", allow_null=True, default=None)

    class Meta:
        model = PickLine
        fields = ["id", "bin", "sku", "name", "lot", "qty", "picked_qty", "failed_qty", "remaining", "slot", "tote",
                  "bin_confirmed", "status"]


class PickProgressOutput(serializers.Serializer):
    lines = serializers.IntegerField(help_text="Lines to pick, cancelled ones left out")
    lines_done = serializers.IntegerField(help_text="Picked or failed")
    units = serializers.IntegerField()
    units_picked = serializers.IntegerField()
    units_failed = serializers.IntegerField()


class PickSessionOutput(serializers.ModelSerializer):
    """Of sessions read by `warehouse.outbound.selectors.pick_sessions_for_output` (open lines and progress
    loaded with the page, not per row)."""

    warehouse = serializers.CharField(source="warehouse.code")
    zone = serializers.CharField(source="zone.code", allow_null=True, default=None)
    picker = serializers.CharField(source="picker.username", allow_null=True, default=None)
    slots = PickSlotOutput(many=True)
    current_line = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = PickSession
        fields = ["id", "wave", "warehouse", "zone", "strategy", "status", "priority", "ship_by", "route_length",
                  "pending_qty", "picker", "claimed_at", "completed_at", "released_at", "released_by", "release_reason",
                  "slots", "current_line", "progress"]

    @extend_schema_field(PickLineOutput(allow_null=True))
    def get_current_line(self, session: PickSession) -> dict | None:
        if session.status not in (PickSession.Status.OPEN, PickSession.Status.CLAIMED):
            return None
        line = session.open_lines[0] if session.open_lines else None
        return PickLineOutput(line).data if line else None

    @extend_schema_field(PickProgressOutput)
    def get_progress(self, session: PickSession) -> dict:
        return PickProgressOutput({
            "lines": session.progress_lines, "lines_done": session.progress_lines_done, "units": session.progress_units,
            "units_picked": session.progress_units_picked, "units_failed": session.progress_units_failed,
        }).data


class PickConfirmInput(serializers.Serializer):
    scan_id = serializers.UUIDField(help_text="Made by the client; a retry re-sends the same id")
    line_id = serializers.IntegerField()
    qty = serializers.IntegerField(min_value=1)


class PickFailureInput(serializers.Serializer):
    scan_id = serializers.UUIDField(help_text="Made by the client; a retry re-sends the same id")
    line_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DiscrepancyKind.choices)
    found_qty = serializers.IntegerField(
        min_value=0, default=0,
        help_text="Short: the units that were there (picked now). Damaged: how many damaged units were seen.",
    )


class PickReleaseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="Why: required when a manager takes the session from its picker")


class PickAssignInput(serializers.Serializer):
    username = serializers.CharField(required=False)
    user_id = serializers.IntegerField(required=False)

    def validate(self, attrs: dict) -> dict:
        if ("username" in attrs) == ("user_id" in attrs):
            raise serializers.ValidationError("give the picker's username or user_id (one of them)")
        return attrs


class WavePlanInput(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=PickStrategy.choices, default=PickStrategy.BATCH)
    orders_per_session = serializers.IntegerField(min_value=1, max_value=24, default=6)
    max_orders = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    ship_by_before = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                               help_text="Only orders due before this")
    fulfillment_ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True,
                                            default=None, help_text="Plan exactly these fulfillment orders")


class WaveSessionOutput(serializers.ModelSerializer):
    picker = serializers.CharField(source="picker.username", allow_null=True, default=None)
    zone = serializers.CharField(source="zone.code", allow_null=True, default=None)
    orders = serializers.IntegerField(source="order_count")
    lines = serializers.IntegerField(source="line_total")
    lines_done = serializers.IntegerField(source="line_done")

    class Meta:
        model = PickSession
        fields = ["id", "status", "zone", "picker", "priority", "ship_by", "claimed_at", "completed_at", "orders",
                  "lines", "lines_done"]


class WaveOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    sessions = WaveSessionOutput(many=True)

    class Meta:
        model = Wave
        fields = ["id", "warehouse", "strategy", "status", "ship_by_before", "note", "created_by", "created_at",
                  "completed_at", "sessions"]
