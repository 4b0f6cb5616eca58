from django.contrib import admin

from inventory.models import Merchant, MerchantMembership, Product, ProductBarcode


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
