from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import HoldKind, Order, OrderEvent, OrderHold, OrderLine, PaymentStatus, ServiceLevel
from orders.models.order import GIFT_MESSAGE_MAX, NOTE_MAX
from orders.selectors import address_editable, cancellable, editable
from orders.services.holds import MANUAL_KINDS


class AddressInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20)
    country = serializers.CharField(min_length=2, max_length=2)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class LineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, default=0)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, default=0)


class OrderInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, required=False)
    order_number = serializers.CharField(max_length=64)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    customer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ship_to = AddressInput()
    lines = LineInput(many=True, allow_empty=False)
    currency = serializers.CharField(min_length=3, max_length=3, default="USD")
    shipping_total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    tax_total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    payment_status = serializers.ChoiceField(choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices, default=ServiceLevel.STANDARD)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="",
                                 help_text="The customer's note to the merchant")
    gift_message = serializers.CharField(max_length=GIFT_MESSAGE_MAX, required=False, allow_blank=True, default="",
                                         help_text="Printed on the packing slip")
    merchant = serializers.CharField(required=False, help_text="Merchant code; staff only")


class LineOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["line_no", "sku", "name", "quantity", "cancelled_qty", "unit_price", "discount", "product"]


class HoldOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderHold
        fields = ["kind", "reason", "placed_by", "placed_at", "released_by", "released_at", "release_reason"]


class EventOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["created_at", "kind", "message", "actor_label", "data"]


class OrderOutput(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    channel = serializers.CharField(source="channel.name")
    channel_kind = serializers.CharField(source="channel.kind")

    class Meta:
        model = Order
        fields = [
            "id", "merchant", "channel", "channel_kind", "external_id", "order_number", "status", "email",
            "customer_name", "ship_name", "ship_company", "ship_line1", "ship_line2", "ship_city", "ship_region",
            "ship_postal_code", "ship_country", "ship_phone", "currency", "subtotal", "shipping_total", "tax_total",
            "discount_total", "total", "payment_status", "service_level", "note", "gift_message", "priority", "placed_at", "ship_by",
            "created_at", "updated_at",
        ]


class ActionOutput(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField()


class ActionsOutput(serializers.Serializer):
    """What the order's stage allows now, and why not: the customer-service page's answers."""

    cancel = ActionOutput()
    edit_lines = ActionOutput(help_text="Also the service level")
    edit_address = ActionOutput()


class OrderDetailOutput(OrderOutput):
    lines = LineOutput(many=True)
    holds = HoldOutput(many=True)
    timeline = EventOutput(many=True, source="events")
    actions = serializers.SerializerMethodField()

    class Meta(OrderOutput.Meta):
        fields = [*OrderOutput.Meta.fields, "lines", "holds", "timeline", "actions"]

    @extend_schema_field(ActionsOutput)
    def get_actions(self, order: Order) -> dict:
        answers = {"cancel": cancellable(order), "edit_lines": editable(order), "edit_address": address_editable(order)}
        return {name: {"allowed": ok, "reason": why} for name, (ok, why) in answers.items()}


# --- changes to an order over the API -------------------------------------------------------------


class AddressChangeInput(serializers.Serializer):
    """Only the fields sent are changed; the corrected address is checked as on the customer-service page."""

    name = serializers.CharField(max_length=200, required=False)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line1 = serializers.CharField(max_length=200, required=False)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False)
    country = serializers.CharField(min_length=2, max_length=2, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class AddressEditInput(serializers.Serializer):
    ship_to = AddressChangeInput()
    reason = serializers.CharField(max_length=500, required=False, default="address corrected over the API")

    def validate_ship_to(self, value):
        if not value:
            raise serializers.ValidationError("give at least one address field to change")
        return value


class LineChangeInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=0, max_value=2**31 - 1, help_text="0 removes the line")


class LinesEditInput(serializers.Serializer):
    """Each SKU's new quantity: 0 removes the line, an SKU not on the order adds one."""

    lines = LineChangeInput(many=True, allow_empty=False)
    reason = serializers.CharField(max_length=500, required=False, default="lines edited over the API")

    def validate_lines(self, value):
        skus = [line["sku"] for line in value]
        repeated = sorted({sku for sku in skus if skus.count(sku) > 1})
        if repeated:
            raise serializers.ValidationError(f"each SKU once: {', '.join(repeated)} repeated")
        return value


class ServiceLevelEditInput(serializers.Serializer):
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices)
    reason = serializers.CharField(max_length=500, required=False, default="service level changed over the API")


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why: required (400 without one), kept on the order's timeline")


MANUAL_HOLD_CHOICES = [(k.value, HoldKind(k).label) for k in MANUAL_KINDS]


class HoldPlaceInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MANUAL_HOLD_CHOICES, default=HoldKind.MANUAL,
                                   help_text="Holds people may place; the others are placed by the system")
    reason = serializers.CharField(max_length=500)


class HoldReleaseInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HoldKind.choices)
    reason = serializers.CharField(max_length=500)


class ErrorOutput(serializers.Serializer):
    error = serializers.CharField()
    detail = serializers.CharField()
