from orders.models.channel import STOREFRONT_KINDS, Channel, ChannelKind, ChannelLocation
from orders.models.fulfillment import FulfillmentLine, FulfillmentOrder, FulfillmentStatus, RoutingPolicy, RoutingRule
from orders.models.fulfillment_service import StorefrontFulfillmentRequest
from orders.models.inbox import InboxDelivery
from orders.models.order import (
    ChangeRequestKey,
    HoldKind,
    IdempotencyKey,
    Order,
    OrderBundleLine,
    OrderEvent,
    OrderHold,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    ServiceLevel,
)
from orders.models.outbox import OutboxKind, OutboxMessage
from orders.models.stock_push import StockPush

__all__ = [
    "STOREFRONT_KINDS",
    "ChangeRequestKey",
    "Channel",
    "ChannelKind",
    "ChannelLocation",
    "FulfillmentLine",
    "FulfillmentOrder",
    "FulfillmentStatus",
    "HoldKind",
    "IdempotencyKey",
    "InboxDelivery",
    "Order",
    "OrderBundleLine",
    "OrderEvent",
    "OrderHold",
    "OrderLine",
    "OrderStatus",
    "OutboxKind",
    "OutboxMessage",
    "PaymentStatus",
    "RoutingPolicy",
    "RoutingRule",
    "ServiceLevel",
    "StockPush",
    "StorefrontFulfillmentRequest",
]
