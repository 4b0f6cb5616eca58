from django.contrib import admin

from inventory.models import (
    AvailabilityChange,
    BinStock,
    BundleComponent,
    DriftFinding,
    KitWorkOrder,
    KitWorkOrderLine,
    LowStockAlert,
    Merchant,
    MerchantMembership,
    Movement,
    Product,
    ProductBarcode,
    ReorderRule,
    Reservation,
    StaffScope,
    StockFlag,
    StockLevel,
)


class BarcodeInline(admin.TabularInline):
    model = ProductBarcode
    extra = 0
    fields = ["gtin"]
    readonly_fields = ["gtin"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active", "created_at"]
    search_fields = ["code", "name"]


@admin.register(MerchantMembership)
class MerchantMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant"]
    list_select_related = ["user", "merchant"]
    autocomplete_fields = ["merchant"]


@admin.register(StaffScope)
class StaffScopeAdmin(admin.ModelAdmin):
    """Limit a staff user to some merchants and warehouses; leave a side empty for all of them."""

    list_display = ["user"]
    list_select_related = ["user"]
    filter_horizontal = ["merchants", "warehouses"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "merchant", "weight_g", "reorder_point", "is_active"]
    list_filter = ["merchant", "is_active", "velocity_class"]
    list_select_related = ["merchant"]
    search_fields = ["sku", "name", "barcodes__gtin"]
    inlines = [BarcodeInline]


@admin.register(ProductBarcode)
class ProductBarcodeAdmin(admin.ModelAdmin):
    list_display = ["gtin", "product", "merchant"]
    list_select_related = ["product", "merchant"]
    search_fields = ["gtin", "product__sku"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stock is written by inventory.services only; the admin shows it for support."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BinStock)
class BinStockAdmin(ReadOnlyAdmin):
    list_display = ["product", "warehouse", "bin", "condition", "lot", "expiry", "qty", "is_flagged"]
    list_filter = ["warehouse", "condition", "is_flagged"]
    list_select_related = ["product", "warehouse", "bin"]
    search_fields = ["product__sku", "bin__code", "lot"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["product", "warehouse", "on_hand", "allocated", "unavailable", "available"]
    list_filter = ["warehouse"]
    list_select_related = ["product", "warehouse"]
    search_fields = ["product__sku"]


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "product", "warehouse", "bin", "qty", "kind", "actor_label", "reason", "reference"]
    list_filter = ["kind", "warehouse"]
    list_select_related = ["product", "warehouse", "bin"]
    search_fields = ["product__sku", "bin__code", "reference"]
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["order_line_id", "product", "warehouse", "qty", "picked_qty", "shipped_qty", "released_qty"]
    list_select_related = ["product", "warehouse"]
    search_fields = ["product__sku", "order_line_id"]


@admin.register(StockFlag)
class StockFlagAdmin(ReadOnlyAdmin):
    list_display = ["product", "bin", "reason", "flagged_by", "flagged_at", "cleared_at"]
    list_select_related = ["product", "bin"]


@admin.register(LowStockAlert)
class LowStockAlertAdmin(ReadOnlyAdmin):
    list_display = ["product", "warehouse", "reorder_point", "available_at_crossing", "raised_at", "recovered_at"]
    list_select_related = ["product", "warehouse"]


@admin.register(DriftFinding)
class DriftFindingAdmin(ReadOnlyAdmin):
    list_display = ["found_at", "product", "warehouse", "kind", "recorded", "recomputed"]
    list_filter = ["kind"]


@admin.register(ReorderRule)
class ReorderRuleAdmin(admin.ModelAdmin):
    list_display = ["product", "warehouse", "reorder_point"]
    list_select_related = ["product", "warehouse"]


@admin.register(AvailabilityChange)
class AvailabilityChangeAdmin(ReadOnlyAdmin):
    list_display = ["product", "warehouse", "changed_at"]


@admin.register(BundleComponent)
class BundleComponentAdmin(admin.ModelAdmin):
    """Saved and deleted through the bundle services, so the merchant and nesting rules hold here too."""

    list_display = ["bundle", "component", "quantity", "merchant"]
    list_select_related = ["bundle", "component", "merchant"]
    search_fields = ["bundle__sku", "component__sku"]
    autocomplete_fields = ["bundle", "component"]
    fields = ["bundle", "component", "quantity"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        from core.errors import DomainError
        from inventory.services.kits import bundle_component_set

        try:
            saved = bundle_component_set(bundle=obj.bundle, component=obj.component, quantity=obj.quantity,
                                         actor=request.user)
        except DomainError as exc:
            raise ValidationError(str(exc)) from exc
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        from inventory.services.kits import bundle_component_remove

        bundle_component_remove(bundle=obj.bundle, component=obj.component, actor=request.user)


class KitWorkOrderLineInline(admin.TabularInline):
    model = KitWorkOrderLine
    extra = 0
    fields = ["component", "qty_per_kit"]
    readonly_fields = ["component", "qty_per_kit"]
    can_delete = False


@admin.register(KitWorkOrder)
class KitWorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kit", "qty", "warehouse", "status", "created_by", "created_at"]
    list_filter = ["status", "warehouse"]
    list_select_related = ["kit", "warehouse"]
    search_fields = ["kit__sku"]
    inlines = [KitWorkOrderLineInline]
