from django.contrib import admin

from layout.models import Bin, Warehouse, Zone


class ZoneInline(admin.TabularInline):
    model = Zone
    extra = 0


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "region", "timezone", "order_cutoff", "is_active"]
    search_fields = ["code", "name", "city"]
    inlines = [ZoneInline]


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "warehouse", "kind"]
    list_filter = ["warehouse", "kind"]


@admin.register(Bin)
class BinAdmin(admin.ModelAdmin):
    list_display = ["code", "warehouse", "zone", "kind", "walk_x", "walk_y", "pick_sequence", "capacity", "is_pickable", "is_active"]
    list_filter = ["warehouse", "zone__kind", "kind", "is_pickable", "is_active"]
    list_select_related = ["warehouse", "zone"]
    search_fields = ["code"]
