from rest_framework import serializers

from warehouse.models import PurchaseOrder, PurchaseOrderLine, PutawayTask, Receipt, ReceivingException


class ExpectedLineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    qty = serializers.IntegerField(min_value=1)
    sscc = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    lot = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    expiry = serializers.DateField(required=False, allow_null=True, default=None)


class PurchaseOrderInput(serializers.Serializer):
    merchant = serializers.CharField(required=False, help_text="Merchant code; merchant users may omit it")
    warehouse = serializers.SlugField()
    number = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=PurchaseOrder.Kind.choices, default=PurchaseOrder.Kind.PURCHASE_ORDER)
    supplier = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expected_date = serializers.DateField(required=False, allow_null=True, default=None)
    over_receipt_tolerance_pct = serializers.IntegerField(min_value=0, max_value=100, default=10)
    allow_unexpected = serializers.BooleanField(default=True)
    lines = ExpectedLineInput(many=True, allow_empty=False)


class PurchaseOrderLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    outstanding = serializers.IntegerField()
    over = serializers.IntegerField()

    class Meta:
        model = PurchaseOrderLine
        fields = ["sku", "expected_qty", "received_qty", "damaged_qty", "outstanding", "over"]


class PurchaseOrderOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    warehouse = serializers.CharField(source="warehouse.code")
    lines = PurchaseOrderLineOutput(many=True)

    class Meta:
        model = PurchaseOrder
        fields = ["id", "number", "kind", "merchant", "warehouse", "supplier", "expected_date", "status",
                  "over_receipt_tolerance_pct", "allow_unexpected", "created_at", "lines"]


class ReceiptOutput(serializers.ModelSerializer):
    purchase_order = serializers.CharField(source="purchase_order.number")
    dock_bin = serializers.CharField(source="dock_bin.code")

    class Meta:
        model = Receipt
        fields = ["id", "purchase_order", "dock_bin", "status", "pending_qty", "pending_damaged", "opened_at",
                  "first_received_at", "closed_at", "stocked_at", "dock_to_stock_seconds"]


class ReceiptOpenInput(serializers.Serializer):
    purchase_order = serializers.IntegerField(help_text="Purchase order id")
    dock_bin = serializers.CharField(required=False, help_text="Dock bin code; the warehouse's first dock when omitted")


class ReceiptCloseInput(serializers.Serializer):
    complete = serializers.BooleanField(default=True, help_text="False: more deliveries will come for this PO")


class PutawayTaskOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    from_bin = serializers.CharField(source="from_bin.code")
    suggested_bin = serializers.CharField(source="suggested_bin.code", allow_null=True, default=None)
    remaining = serializers.IntegerField()

    class Meta:
        model = PutawayTask
        fields = ["id", "receipt", "transfer", "sku", "from_bin", "condition", "lot", "expiry", "qty", "put_qty", "remaining",
                  "suggested_bin", "suggestion_reason", "status", "claimed_at", "completed_at"]


class PutawayClaimInput(serializers.Serializer):
    sku = serializers.CharField(required=False, help_text="Claim the task of this SKU")


class PutawayConfirmInput(serializers.Serializer):
    scan_id = serializers.UUIDField()
    bin = serializers.CharField(help_text="Bin code")
    qty = serializers.IntegerField(min_value=1)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReceivingExceptionOutput(serializers.ModelSerializer):
    purchase_order = serializers.CharField(source="receipt.purchase_order.number")
    sku = serializers.CharField(source="product.sku", allow_null=True, default=None)

    class Meta:
        model = ReceivingException
        fields = ["id", "purchase_order", "receipt", "kind", "sku", "barcode", "qty", "note", "recorded_at",
                  "resolved_at", "resolution"]


class ExceptionResolveInput(serializers.Serializer):
    sku = serializers.CharField(required=False, help_text="Map an unknown barcode to this SKU")
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
