from rest_framework import serializers

from returns.models import (
    Disposition,
    FlushBatch,
    FlushLine,
    Grade,
    ReasonCode,
    Resolution,
    ReturnAuthorization,
    ReturnEvent,
    ReturnLine,
    ReturnParcel,
    ReturnUnit,
)


class RmaLineInput(serializers.Serializer):
    order_line_id = serializers.IntegerField(required=False, help_text="Our order line id; or give the SKU")
    sku = serializers.CharField(max_length=64, required=False)
    qty = serializers.IntegerField(min_value=1, max_value=100000)
    reason = serializers.SlugField(max_length=32, help_text="A reason code (GET /returns/reasons/)")
    exchange_sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if not attrs.get("order_line_id") and not attrs.get("sku"):
            raise serializers.ValidationError("each line names an order_line_id or a sku")
        return attrs


class RmaInput(serializers.Serializer):
    order_id = serializers.IntegerField(required=False, help_text="Our order id")
    channel_order_id = serializers.CharField(required=False, max_length=64, help_text="Or the storefront's order id")
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    lines = RmaLineInput(many=True, allow_empty=False, max_length=200)
    customer_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    buy_label = serializers.BooleanField(default=False, help_text="Buy a prepaid return label after creating")

    def validate(self, attrs):
        if not attrs.get("order_id") and not attrs.get("channel_order_id"):
            raise serializers.ValidationError("order_id or channel_order_id is required")
        return attrs


class RmaLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    reason = serializers.CharField(source="reason.code")

    class Meta:
        model = ReturnLine
        fields = ["id", "order_line_id", "sku", "qty", "reason", "exchange_sku", "received_qty", "graded_qty"]


class RmaEventOutput(serializers.ModelSerializer):
    class Meta:
        model = ReturnEvent
        fields = ["kind", "message", "actor_label", "created_at"]


class RmaOutput(serializers.ModelSerializer):
    code = serializers.CharField(help_text="Printed as a Code 128 barcode")
    merchant = serializers.CharField(source="merchant.code")
    order_number = serializers.CharField(source="order.order_number")
    warehouse = serializers.CharField(source="warehouse.code")
    replacement_order_id = serializers.IntegerField(allow_null=True)
    lines = RmaLineOutput(many=True)

    class Meta:
        model = ReturnAuthorization
        fields = ["id", "number", "code", "status", "resolution", "merchant", "order_id", "order_number", "warehouse",
                  "source", "created_by", "customer_note", "label_status", "label_error", "carrier", "service",
                  "tracking_number", "label_cost", "replacement_order_id", "refund_amount", "received_at", "graded_at",
                  "resolved_at", "created_at", "lines"]


class RmaDetailOutput(RmaOutput):
    events = RmaEventOutput(many=True)

    class Meta(RmaOutput.Meta):
        fields = [*RmaOutput.Meta.fields, "events"]


class ParcelScanInput(serializers.Serializer):
    warehouse = serializers.SlugField()
    code = serializers.CharField(max_length=200, help_text="Whatever is on the parcel: RMA code or a carrier label")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ParcelMatchInput(serializers.Serializer):
    rma = serializers.CharField(max_length=30, help_text="The RMA number (R-000123) or code (RMA:R-000123)")


class UnitScanInput(serializers.Serializer):
    code = serializers.CharField(max_length=200, help_text="The item's barcode or SKU")


class UnitOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", allow_null=True, default=None)
    grade = serializers.CharField(source="grade.code", allow_null=True, default=None)
    to_bin = serializers.CharField(source="to_bin.code", allow_null=True, default=None)

    class Meta:
        model = ReturnUnit
        fields = ["id", "parcel_id", "rma_id", "line_id", "sku", "barcode", "wrong_item", "status", "grade",
                  "disposition", "to_bin", "notes", "received_at", "graded_at"]


class ParcelOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    rma = serializers.CharField(source="rma.number", allow_null=True, default=None)
    holding_bin = serializers.CharField(source="holding_bin.code")

    class Meta:
        model = ReturnParcel
        fields = ["id", "warehouse", "rma", "status", "scanned", "carrier", "tracking_number", "holding_bin", "note",
                  "received_by", "received_at", "matched_by", "matched_at"]


class GradeInput(serializers.Serializer):
    grade = serializers.SlugField(max_length=32)
    disposition = serializers.ChoiceField(choices=Disposition.choices, required=False, help_text="Default: the merchant's rule")
    bin = serializers.CharField(max_length=32, required=False, help_text="Restock bin code; default: the suggested bin")
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code", allow_null=True, default=None)

    class Meta:
        model = ReasonCode
        fields = ["code", "label", "merchant"]


class ReasonInput(serializers.Serializer):
    merchant = serializers.CharField(required=False, help_text="Merchant code; merchant users may omit it")
    code = serializers.SlugField(max_length=32)
    label = serializers.CharField(max_length=100)


class GradeOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code", allow_null=True, default=None)

    class Meta:
        model = Grade
        fields = ["code", "label", "sellable", "disposition", "key", "merchant"]


class GradeDefinitionInput(serializers.Serializer):
    merchant = serializers.CharField(required=False)
    code = serializers.SlugField(max_length=32)
    label = serializers.CharField(max_length=100)
    sellable = serializers.BooleanField()
    disposition = serializers.ChoiceField(choices=Disposition.choices)


class FlushLineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    merchant = serializers.CharField(required=False)
    bin = serializers.CharField(max_length=32)
    qty = serializers.IntegerField(min_value=1, max_value=1000000)
    condition = serializers.ChoiceField(choices=["sellable", "damaged", "quarantined", "returned_pending"], default="damaged")
    disposition = serializers.ChoiceField(choices=Disposition.choices, help_text="Any but restock")


class FlushBatchInput(serializers.Serializer):
    warehouse = serializers.SlugField()
    reason = serializers.CharField(max_length=255)
    lines = FlushLineInput(many=True, allow_empty=False, max_length=1000)


class FlushLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    bin = serializers.CharField(source="bin.code")

    class Meta:
        model = FlushLine
        fields = ["sku", "bin", "condition", "qty", "disposition", "unit_cost", "value_written_off"]


class FlushBatchOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    approved_by = serializers.CharField(source="approved_by.username", allow_null=True, default=None)
    lines = FlushLineOutput(many=True)

    class Meta:
        model = FlushBatch
        fields = ["id", "warehouse", "status", "reason", "built_by_label", "approved_by", "approved_at", "executed_by",
                  "executed_at", "value_written_off", "created_at", "lines"]
