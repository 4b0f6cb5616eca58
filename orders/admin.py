from django import forms
from django.contrib import admin, messages

from core.admin import ReadOnlyHistoryAdmin
from core.errors import DomainError
from inventory.models import Merchant
from inventory.tenancy import staff_scoped
from orders.models import (
    Channel,
    ChannelLocation,
    FulfillmentLine,
    FulfillmentOrder,
    IdempotencyKey,
    InboxDelivery,
    Order,
    OrderEvent,
    OrderHold,
    OrderLine,
    OutboxMessage,
    RoutingPolicy,
    StockPush,
)
from orders.services.channels import MAX_GRACE_HOURS, channel_secret_rotate
from orders.services.inbox import inbox_replay
from orders.services.outbox import outbox_retry
from orders.services.stock_push import stock_push_retry


def mask_secret(secret: str) -> str:
    return f"…{secret[-4:]}" if len(secret) >= 16 else ("set" if secret else "none")


class MerchantScopedAdmin(admin.ModelAdmin):
    """A staff member limited to some merchants (StaffScope) lists, opens and changes only their rows, and picks
    only their merchants and channels in a form; `merchant_path` is the lookup to the row's merchant id."""

    merchant_path = "merchant_id"

    def get_queryset(self, request):
        return staff_scoped(super().get_queryset(request), request.user, merchant=self.merchant_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Merchant:
            kwargs["queryset"] = staff_scoped(Merchant.objects.all(), request.user, merchant="pk")
        elif db_field.related_model is Channel:
            kwargs["queryset"] = staff_scoped(Channel.objects.all(), request.user, merchant="merchant_id")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChannelAdminForm(forms.ModelForm):
    """Secrets are written, never shown: a new webhook secret is entered here and rotated in by the service."""

    new_webhook_secret = forms.CharField(
        required=False, strip=True, widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current secret. On an existing channel the new secret is rotated in "
                  "and the current one stays valid for the grace period.",
    )
    grace_hours = forms.FloatField(initial=24, min_value=0, max_value=MAX_GRACE_HOURS,
                                   help_text="Hours the replaced secret keeps verifying deliveries (0 revokes it).")

    class Meta:
        model = Channel
        fields = ["merchant", "kind", "name", "store_identity", "api_base_url", "api_credentials", "is_active", "push_stock",
                  "is_fulfillment_service", "min_shelf_life_days"]


class ChannelLocationInline(admin.TabularInline):
    """Which storefront location shows each warehouse's stock (Shopify location gids)."""

    model = ChannelLocation
    extra = 0


@admin.register(Channel)
class ChannelAdmin(MerchantScopedAdmin):
    form = ChannelAdminForm
    inlines = [ChannelLocationInline]
    list_display = ["name", "merchant", "kind", "store_identity", "is_active", "push_stock", "pulled_at"]
    list_filter = ["kind", "is_active", ("merchant", admin.RelatedOnlyFieldListFilter)]
    readonly_fields = ["pull_cursor", "pulled_at", "webhook_secret_masked", "previous_secret_valid_until"]

    @admin.display(description="Webhook secret")
    def webhook_secret_masked(self, obj):
        return mask_secret(obj.webhook_secret) if obj and obj.pk else "generated when saved (unless entered)"

    @admin.display(description="Previous secret valid until")
    def previous_secret_valid_until(self, obj):
        if obj and obj.previous_webhook_secret and obj.previous_secret_expires_at:
            return obj.previous_secret_expires_at
        return "no previous secret"

    def save_model(self, request, obj, form, change):
        new_secret = form.cleaned_data.get("new_webhook_secret") or ""
        if not change and new_secret:
            obj.webhook_secret = new_secret
        super().save_model(request, obj, form, change)
        if change and new_secret:
            try:
                channel_secret_rotate(channel=obj, new_secret=new_secret,
                                      grace_hours=form.cleaned_data.get("grace_hours") or 0, actor=request.user)
            except DomainError as exc:
                messages.error(request, f"webhook secret not rotated: {exc.message}")
            else:
                messages.success(request, "webhook secret rotated")


@admin.register(InboxDelivery)
class InboxDeliveryAdmin(MerchantScopedAdmin):
    merchant_path = "channel__merchant_id"
    list_display = ["received_at", "channel", "source", "topic", "external_order_id", "status", "attempts", "duplicates", "order"]
    list_filter = ["status", "source", "channel__kind"]
    search_fields = ["dedup_key", "external_order_id"]
    readonly_fields = [f.name for f in InboxDelivery._meta.fields]
    actions = ["replay"]

    @admin.action(description="Replay the selected waiting, failed or parked deliveries")
    def replay(self, request, queryset):
        replayed = 0
        for delivery in queryset:
            try:
                inbox_replay(delivery_id=delivery.pk, actor=request.user)
                replayed += 1
            except DomainError as exc:
                messages.warning(request, exc.message)
        messages.success(request, f"{replayed} delivery(ies) marked for processing again")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(MerchantScopedAdmin):
    merchant_path = "channel__merchant_id"
    list_display = ["created_at", "channel", "order", "sequence", "kind", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "kind", "channel__kind"]
    search_fields = ["order__order_number", "order__external_id"]
    list_select_related = ["channel", "order"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False  # written only by the services, in the transaction that makes the change

    @admin.action(description="Send the selected parked or pending updates again")
    def retry(self, request, queryset):
        done = 0
        for message in queryset:
            try:
                outbox_retry(message=message, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.warning(request, exc.message)
        messages.success(request, f"{done} storefront update(s) queued to be sent again")


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ["line_no", "sku", "product", "quantity", "cancelled_qty", "unit_price", "discount"]


class ReadOnlyInline(admin.TabularInline):
    """The order's holds and timeline are history: shown with the order, never added, edited or deleted here."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HoldInline(ReadOnlyInline):
    model = OrderHold
    readonly_fields = [f.name for f in OrderHold._meta.fields]


class EventInline(ReadOnlyInline):
    model = OrderEvent
    readonly_fields = ["created_at", "kind", "message", "actor_label"]
    fields = readonly_fields


@admin.register(Order)
class OrderAdmin(MerchantScopedAdmin):
    list_display = ["order_number", "merchant", "channel", "status", "payment_status", "service_level", "ship_by", "created_at"]
    list_filter = ["status", ("merchant", admin.RelatedOnlyFieldListFilter), "channel__kind", "service_level"]
    search_fields = ["order_number", "external_id", "email"]
    readonly_fields = ["status"]
    inlines = [LineInline, HoldInline, EventInline]


@admin.register(FulfillmentOrder)
class FulfillmentOrderAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "warehouse", "status", "ship_by", "released_at"]
    list_filter = ["status", "warehouse"]
    readonly_fields = ["status"]


admin.site.register(FulfillmentLine)
admin.site.register(RoutingPolicy)
admin.site.register(IdempotencyKey)


@admin.register(OrderHold)
class OrderHoldAdmin(ReadOnlyHistoryAdmin):
    """Holds are placed and released by the services (the order page's hold buttons), with the timeline."""

    list_display = ["placed_at", "order", "kind", "placed_by", "released_at", "released_by"]
    list_filter = ["kind"]
    list_select_related = ["order"]
    search_fields = ["order__order_number", "reason"]


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyHistoryAdmin):
    """The order timeline."""

    list_display = ["created_at", "order", "kind", "actor_label", "message"]
    list_filter = ["kind"]
    list_select_related = ["order"]
    search_fields = ["order__order_number", "actor_label", "message"]
    date_hierarchy = "created_at"


@admin.register(StockPush)
class StockPushAdmin(MerchantScopedAdmin):
    merchant_path = "channel__merchant_id"
    list_display = ["changed_at", "channel", "product", "status", "attempts", "next_attempt_at", "sent_qty", "sent_at"]
    list_filter = ["status", "channel__kind", ("channel", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["product__sku"]
    list_select_related = ["channel", "product"]
    readonly_fields = [f.name for f in StockPush._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False  # written only by the stock sync, from the IMS's change marks

    @admin.action(description="Push the selected parked or pending stock again (a storefront back after an outage)")
    def retry(self, request, queryset):
        done = 0
        for push in queryset:
            try:
                stock_push_retry(push=push, actor=request.user)
                done += 1
            except DomainError as exc:
                messages.warning(request, exc.message)
        messages.success(request, f"{done} stock push(es) queued to be sent again")
