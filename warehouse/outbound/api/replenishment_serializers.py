from rest_framework import serializers

from warehouse.models import PickFace, ReplenishmentTask
from warehouse.outbound.services.pick_faces import MAX_BAND

MAX_ID = 2**63 - 1


class PickFaceOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    bin = serializers.CharField(source="bin.code")
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = PickFace
        fields = ["id", "warehouse", "bin", "product", "sku", "min_qty", "max_qty", "is_active"]


class PickFaceCreateInput(serializers.Serializer):
    warehouse = serializers.CharField(max_length=16, help_text="Warehouse code")
    bin = serializers.CharField(max_length=32, help_text="Code of a pickable storage bin of the warehouse")
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    min_qty = serializers.IntegerField(min_value=0, max_value=MAX_BAND)
    max_qty = serializers.IntegerField(min_value=1, max_value=MAX_BAND)


class PickFaceUpdateInput(serializers.Serializer):
    min_qty = serializers.IntegerField(min_value=0, max_value=MAX_BAND, required=False)
    max_qty = serializers.IntegerField(min_value=1, max_value=MAX_BAND, required=False)
    is_active = serializers.BooleanField(required=False)


class ReplenishmentTaskOutput(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    sku = serializers.CharField(source="product.sku")
    from_bin = serializers.CharField(source="from_bin.code")
    to_bin = serializers.CharField(source="to_bin.code")
    remaining = serializers.IntegerField()
    claimed_by = serializers.CharField(source="claimed_by.get_username", allow_null=True, default=None)

    class Meta:
        model = ReplenishmentTask
        fields = ["id", "warehouse", "pick_face", "product", "sku", "from_bin", "to_bin", "qty", "moved_qty", "remaining",
                  "reason", "status", "from_confirmed", "pending_qty", "claimed_by", "claimed_at", "created_at",
                  "completed_at"]
