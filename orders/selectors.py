from django.db.models import QuerySet

from orders.models import Order


def orders_visible_to(user) -> QuerySet[Order]:
    return Order.objects.visible_to(user).select_related("merchant", "channel")


def order_detail_queryset(user) -> QuerySet[Order]:
    return orders_visible_to(user).prefetch_related("lines", "holds", "events")
