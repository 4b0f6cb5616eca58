from django import forms
from django.contrib import admin

from shipping.models import CarrierWebhookAccount, Manifest, Shipment, ShippingRule, TrackingEvent


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


class CarrierWebhookAccountForm(forms.ModelForm):
    """The secret is written, never shown: enter the one the carrier's webhook settings show (or keep the
    generated one, entered there)."""

    new_secret = forms.CharField(required=False, strip=True, widget=forms.PasswordInput(render_value=False),
                                 help_text="Leave empty to keep the current secret.")

    class Meta:
        model = CarrierWebhookAccount
        fields = ["code", "carrier", "is_active"]


@admin.register(CarrierWebhookAccount)
class CarrierWebhookAccountAdmin(admin.ModelAdmin):
    form = CarrierWebhookAccountForm
    list_display = ["code", "carrier", "is_active", "created_at"]
    list_filter = ["carrier", "is_active"]

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("new_secret"):
            obj.secret = form.cleaned_data["new_secret"]
        super().save_model(request, obj, form, change)
