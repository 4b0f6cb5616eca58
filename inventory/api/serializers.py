from rest_framework import serializers

from inventory.models import Product


class ProductOutput(serializers.ModelSerializer):
    merchant = serializers.SlugRelatedField(slug_field="code", read_only=True)
    barcodes = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id", "merchant", "sku", "name", "barcodes", "weight_g", "length_mm", "width_mm", "height_mm",
            "unit_cost", "reorder_point", "velocity_class", "hs_code", "country_of_origin", "tags", "image_url",
            "is_active", "created_at", "updated_at",
        ]

    def get_barcodes(self, product) -> list[str]:
        return [barcode.gtin for barcode in product.barcodes.all()]


class ProductInput(serializers.Serializer):
    merchant = serializers.CharField(required=False, help_text="Merchant code; staff only (merchant tokens use their own)")
    sku = serializers.CharField(max_length=64, required=False)
    name = serializers.CharField(max_length=255, required=False)
    barcodes = serializers.ListField(child=serializers.CharField(max_length=32), required=False)
    weight_g = serializers.IntegerField(min_value=0, required=False)
    length_mm = serializers.IntegerField(min_value=0, required=False)
    width_mm = serializers.IntegerField(min_value=0, required=False)
    height_mm = serializers.IntegerField(min_value=0, required=False)
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    reorder_point = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    velocity_class = serializers.ChoiceField(choices=["A", "B", "C"], required=False)
    hs_code = serializers.CharField(max_length=16, required=False, allow_blank=True)
    country_of_origin = serializers.CharField(max_length=2, required=False, allow_blank=True)
    tags = serializers.CharField(max_length=255, required=False, allow_blank=True)
    image_url = serializers.URLField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
