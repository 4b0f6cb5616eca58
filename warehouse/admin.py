from django.contrib import admin

from warehouse.models import (
    CartonType,
    CountPolicy,
    CountTask,
    Discrepancy,
    PackingSlipTemplate,
    PickFace,
    PickLine,
    PickSession,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayTask,
    Receipt,
    ReceivingException,
    ReplenishmentTask,
    Wave,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Receipts, exceptions and putaway change only through the station services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    readonly_fields = ["product", "expected_qty", "received_qty", "damaged_qty"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "merchant", "warehouse", "supplier", "expected_date", "status"]
    list_filter = ["kind", "status", "warehouse", "merchant"]
    search_fields = ["number", "supplier"]
    inlines = [PurchaseOrderLineInline]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["pk", "purchase_order", "warehouse", "dock_bin", "status", "first_received_at", "stocked_at", "dock_to_stock_seconds"]
    list_filter = ["status", "warehouse"]


@admin.register(ReceivingException)
class ReceivingExceptionAdmin(ReadOnlyAdmin):
    list_display = ["recorded_at", "kind", "receipt", "product", "barcode", "qty", "resolved_at", "resolution"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]


@admin.register(PutawayTask)
class PutawayTaskAdmin(ReadOnlyAdmin):
    list_display = ["pk", "warehouse", "product", "qty", "put_qty", "condition", "lot", "suggested_bin", "status", "claimed_by"]
    list_filter = ["status", "warehouse", "condition"]


class PickLineInline(admin.TabularInline):
    model = PickLine
    fields = ["sequence", "slot", "bin", "product", "lot", "qty", "picked_qty", "failed_qty", "status"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Wave)
class WaveAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "warehouse", "strategy", "status", "created_by", "created_at", "completed_at"]
    list_filter = ["status", "strategy", "warehouse"]


@admin.register(PickSession)
class PickSessionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "wave", "warehouse", "strategy", "status", "priority", "ship_by", "picker", "route_length"]
    list_filter = ["status", "strategy", "warehouse"]
    inlines = [PickLineInline]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "warehouse", "bin", "product", "kind", "expected_qty", "found_qty", "status", "resolution"]
    list_filter = ["status", "kind", "warehouse"]


@admin.register(CountTask)
class CountTaskAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "warehouse", "bin", "product", "source", "velocity_class", "status", "system_qty",
                    "counted_qty", "counted_at", "reviewed_by"]
    list_filter = ["status", "source", "velocity_class", "warehouse"]


@admin.register(CountPolicy)
class CountPolicyAdmin(admin.ModelAdmin):
    """How often each velocity class is counted and the variance a count may post without approval."""

    list_display = ["warehouse", "window_days", "a_every_days", "b_every_days", "c_every_days", "tolerance_units",
                    "tolerance_pct", "max_per_day"]


@admin.register(CartonType)
class CartonTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "length_mm", "width_mm", "height_mm", "max_weight_g", "tare_g", "is_active"]


@admin.register(PackingSlipTemplate)
class PackingSlipTemplateAdmin(admin.ModelAdmin):
    list_display = ["merchant", "product_tag", "title", "show_prices"]
    list_filter = ["merchant"]


@admin.register(PickFace)
class PickFaceAdmin(admin.ModelAdmin):
    """Configuration: where a SKU is picked and the band it is kept in (stock moves only through tasks)."""

    list_display = ["bin", "product", "min_qty", "max_qty", "is_active", "warehouse"]
    list_filter = ["warehouse", "is_active"]
    raw_id_fields = ["bin", "product"]


@admin.register(ReplenishmentTask)
class ReplenishmentTaskAdmin(ReadOnlyAdmin):
    list_display = ["pk", "warehouse", "product", "from_bin", "to_bin", "qty", "moved_qty", "reason", "status", "claimed_by"]
    list_filter = ["status", "reason", "warehouse"]
