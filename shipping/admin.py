from django.contrib import admin

from shipping.models import Manifest, Shipment, ShippingRule, TrackingEvent


@admin.register(ShippingRule)
class ShippingRuleAdmin(admin.ModelAdmin):
    list_display = ["merchant", "priority", "name", "action", "carrier", "service", "is_active"]
    list_filter = ["merchant", "action", "is_active"]
    ordering = ["merchant", "priority"]


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["status", "description", "location", "occurred_at"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    """Labels change only through the pack station and manifests."""

    list_display = ["tracking_number", "carrier", "service", "status", "warehouse", "rate_amount", "created_at", "shipped_at"]
    list_filter = ["status", "carrier", "warehouse"]
    search_fields = ["tracking_number", "reference"]
    exclude = ["label_pdf"]
    inlines = [TrackingEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Manifest)
class ManifestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "warehouse", "carrier", "closed_at", "closed_by"]
    exclude = ["pdf"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
