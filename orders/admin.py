from django.contrib import admin, messages

from core.errors import DomainError
from orders.models import (
    Channel,
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
from orders.services.inbox import inbox_replay
from orders.services.outbox import outbox_retry
from orders.services.stock_push import stock_push_retry


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "kind", "store_identity", "is_active", "push_stock", "pulled_at"]
    list_filter = ["kind", "is_active", "merchant"]
    readonly_fields = ["pull_cursor", "pulled_at"]


@admin.register(InboxDelivery)
class InboxDeliveryAdmin(admin.ModelAdmin):
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
class OutboxMessageAdmin(admin.ModelAdmin):
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


class HoldInline(admin.TabularInline):
    model = OrderHold
    extra = 0
    readonly_fields = [f.name for f in OrderHold._meta.fields]


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ["created_at", "kind", "message", "actor_label"]
    fields = readonly_fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "merchant", "channel", "status", "payment_status", "service_level", "ship_by", "created_at"]
    list_filter = ["status", "merchant", "channel__kind", "service_level"]
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
admin.site.register(OrderHold)
admin.site.register(OrderEvent)


@admin.register(StockPush)
class StockPushAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "channel", "product", "status", "attempts", "next_attempt_at", "sent_qty", "sent_at"]
    list_filter = ["status", "channel__kind", "channel"]
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
