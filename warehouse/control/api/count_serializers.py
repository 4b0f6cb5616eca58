from rest_framework import serializers

from warehouse.models import CountTask


class CountStationTaskOutput(serializers.ModelSerializer):
    """What the counter sees: where and what to count, and what they scanned. Never what the system holds."""

    warehouse = serializers.CharField(source="warehouse.code")
    bin = serializers.CharField(source="bin.code")
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    scanned = serializers.IntegerField(source="tally")

    class Meta:
        model = CountTask
        fields = ["id", "warehouse", "bin", "sku", "name", "status", "source", "bin_confirmed", "scanned", "pending_qty"]


class CountRequestInput(serializers.Serializer):
    warehouse = serializers.CharField(max_length=32)
    bin = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CountRequestOutput(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Bins and products that already had a count waiting")


class CountFinishInput(serializers.Serializer):
    scan_id = serializers.UUIDField(help_text="Made by the client; a retry re-sends the same id")


class CountDecisionInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, help_text="The reason for the decision")


class CountReviewOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    bin = serializers.CharField(source="bin.code")
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    expected_qty = serializers.IntegerField(source="system_qty")
    variance = serializers.IntegerField()
    variance_value = serializers.SerializerMethodField()
    counted_by = serializers.CharField(source="counted_by.username", allow_null=True, default=None)
    reviewed_by = serializers.CharField(source="reviewed_by.username", allow_null=True, default=None)

    class Meta:
        model = CountTask
        fields = ["id", "warehouse", "bin", "sku", "name", "status", "source", "discrepancy", "expected_qty",
                  "counted_qty", "variance", "variance_value", "counted_by", "counted_at", "reviewed_by",
                  "reviewed_at", "review_note", "recount_of"]

    def get_variance_value(self, task: CountTask) -> str:
        return str((task.product.unit_cost or 0) * (task.variance or 0))
