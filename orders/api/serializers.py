from rest_framework import serializers

from orders.models import Order, OrderEvent, OrderHold, OrderLine, PaymentStatus, ServiceLevel
from orders.models.order import GIFT_MESSAGE_MAX, NOTE_MAX


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


class OrderDetailOutput(OrderOutput):
    lines = LineOutput(many=True)
    holds = HoldOutput(many=True)
    timeline = EventOutput(many=True, source="events")

    class Meta(OrderOutput.Meta):
        fields = [*OrderOutput.Meta.fields, "lines", "holds", "timeline"]
