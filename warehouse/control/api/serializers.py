from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warehouse.models import CountTask, Discrepancy


class BinMovementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    qty = serializers.IntegerField()
    bin = serializers.CharField(source="bin.code")
    lot = serializers.CharField()
    condition = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    reason = serializers.CharField()
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class BinHistoryOutput(serializers.Serializer):
    system_qty = serializers.IntegerField(help_text="Sellable units the ledger holds in the bin now")
    last_count = BinMovementOutput(allow_null=True)
    last_receipt = BinMovementOutput(allow_null=True)
    last_putaways = BinMovementOutput(many=True)
    last_picks = BinMovementOutput(many=True)


class DiscrepancyOutput(serializers.ModelSerializer):
    """With the context's `histories` (`warehouse.control.selectors.discrepancy_histories_for(page)`): the bins'
    histories come with the page, not per row."""

    warehouse = serializers.CharField(source="warehouse.code")
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    bin = serializers.CharField(source="bin.code")
    pick_session = serializers.IntegerField(source="pick_line.session_id", allow_null=True, default=None)
    reported_by = serializers.CharField(source="reported_by.username", allow_null=True, default=None)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True, default=None)
    count_tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta:
        model = Discrepancy
        fields = ["id", "warehouse", "kind", "sku", "name", "bin", "expected_qty", "found_qty", "pick_line",
                  "pick_session", "reported_by", "created_at", "status", "resolution", "resolution_note",
                  "resolved_by", "resolved_at", "count_tasks", "history"]

    @extend_schema_field(BinHistoryOutput)
    def get_history(self, discrepancy: Discrepancy) -> dict:
        return BinHistoryOutput(self.context["histories"][discrepancy.pk]).data


class DiscrepancyResolveInput(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Discrepancy.Resolution.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    counted_qty = serializers.IntegerField(required=False, allow_null=True, default=None,
                                           help_text="Adjusted: what the bin holds now")


class CountTaskOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    bin = serializers.CharField(source="bin.code")
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    counted_by = serializers.CharField(source="counted_by.username", allow_null=True, default=None)

    class Meta:
        model = CountTask
        fields = ["id", "warehouse", "bin", "sku", "name", "discrepancy", "status", "reason", "system_qty",
                  "counted_qty", "counted_by", "created_at", "counted_at"]


class CountTaskCompleteInput(serializers.Serializer):
    counted_qty = serializers.IntegerField(min_value=0)
