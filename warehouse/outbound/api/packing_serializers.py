from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shipping.models import Manifest, Shipment, TrackingEvent
from warehouse.models import Carton, CartonItem, CartonType, Pack
from warehouse.outbound.selectors import PackReads


class CartonTypeOutput(serializers.ModelSerializer):
    class Meta:
        model = CartonType
        fields = ["id", "code", "name", "length_mm", "width_mm", "height_mm", "max_weight_g", "tare_g"]


class TrackingEventOutput(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["status", "description", "location", "occurred_at"]


class ShipmentOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    order_number = serializers.CharField(source="fulfillment_order.order.order_number", allow_null=True,
                                         help_text="Empty for a transfer parcel")
    pack = serializers.IntegerField(source="carton.pack_id", allow_null=True)
    carton = serializers.IntegerField(source="carton.number", allow_null=True,
                                      help_text="The carton's number within its pack; empty for a transfer parcel")
    transfer = serializers.CharField(source="document", help_text="The transfer's number, for a transfer parcel")
    destination = serializers.CharField(source="destination.code", allow_null=True,
                                        help_text="The warehouse a transfer parcel goes to")
    label_pdf_url = serializers.HyperlinkedIdentityField(view_name="api-shipment-label-pdf")
    label_zpl_url = serializers.HyperlinkedIdentityField(view_name="api-shipment-label-zpl")
    tracking_events = TrackingEventOutput(many=True)

    class Meta:
        model = Shipment
        fields = ["id", "status", "purpose", "warehouse", "fulfillment_order", "order_number", "pack", "carton",
                  "transfer", "destination", "carrier",
                  "service", "tracking_number", "tracking_url", "rate_amount", "rate_currency", "rate_reason",
                  "weight_g", "estimated_delivery", "transit_days", "created_at", "manifest", "shipped_at",
                  "delivered_at", "voided_at", "label_pdf_url", "label_zpl_url", "tracking_events"]


class PackLineOutput(serializers.Serializer):
    order_line_id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    expected = serializers.IntegerField(help_text="Units picked for the order, to be packed")
    packed = serializers.IntegerField()
    missing = serializers.IntegerField()


class CartonItemOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")

    class Meta:
        model = CartonItem
        fields = ["order_line_id", "sku", "name", "qty"]


class CartonOutput(serializers.ModelSerializer):
    carton_type = serializers.CharField(source="carton_type.code", allow_null=True, default=None)
    items = CartonItemOutput(many=True)

    class Meta:
        model = Carton
        fields = ["number", "carton_type", "weight_g", "status", "items"]


class PackOutput(serializers.ModelSerializer):
    """Of packs read by `warehouse.outbound.selectors.packs_for_output`, with the context's `pack_reads`
    (`pack_reads_for(page)`): lines, carton suggestion and shipments come with the page, not per row."""

    warehouse = serializers.CharField(source="warehouse.code")
    order_number = serializers.CharField(source="fulfillment_order.order.order_number")
    tote = serializers.CharField(source="tote.code", allow_null=True, default=None,
                                 help_text="Where the units wait: a tote, or a pack station once labelled")
    pack_station = serializers.CharField(source="pack_bin.code")
    packer = serializers.CharField(source="packer.username", allow_null=True, default=None)
    lines = serializers.SerializerMethodField()
    cartons = CartonOutput(many=True)
    suggested_carton_type = serializers.SerializerMethodField()
    shipments = serializers.SerializerMethodField()

    class Meta:
        model = Pack
        fields = ["id", "warehouse", "fulfillment_order", "order_number", "status", "tote", "pack_station", "packer",
                  "pending_qty", "started_at", "packed_at", "lines", "cartons", "suggested_carton_type", "shipments"]

    def _reads(self, pack: Pack) -> PackReads:
        return self.context["pack_reads"][pack.pk]

    @extend_schema_field(PackLineOutput(many=True))
    def get_lines(self, pack: Pack) -> list[dict]:
        return PackLineOutput(self._reads(pack).lines, many=True).data

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="For what is left to pack (open packs)"))
    def get_suggested_carton_type(self, pack: Pack) -> str | None:
        if pack.status != Pack.Status.OPEN:
            return None
        suggestion = self._reads(pack).suggested_carton_type
        return suggestion.code if suggestion else None

    @extend_schema_field(ShipmentOutput(many=True))
    def get_shipments(self, pack: Pack) -> list[dict]:
        return ShipmentOutput(self._reads(pack).shipments, many=True, context=self.context).data


class ShipmentVoidInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the label is voided: kept on the order's timeline")


class ManifestCloseInput(serializers.Serializer):
    carrier = serializers.CharField(max_length=32, help_text="As on the labels: UPS, USPS, FedEx")


class ManifestOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    closed_by = serializers.CharField(source="closed_by.username", allow_null=True, default=None)
    shipments = serializers.IntegerField(source="shipment_count", help_text="Cartons handed to the carrier")
    pdf_url = serializers.HyperlinkedIdentityField(view_name="api-manifest-pdf")

    class Meta:
        model = Manifest
        fields = ["id", "warehouse", "carrier", "closed_at", "closed_by", "shipments", "pdf_url"]
