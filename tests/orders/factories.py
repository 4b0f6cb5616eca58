import factory

from orders.models import Channel, Order, OrderLine, OutboxMessage
from tests.factories import MerchantFactory


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    merchant = factory.SubFactory(MerchantFactory)
    kind = Channel.Kind.API
    name = factory.Sequence(lambda n: f"Channel {n}")
    webhook_secret = "s3cret"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    channel = factory.SubFactory(ChannelFactory)
    merchant = factory.SelfAttribute("channel.merchant")
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    order_number = factory.Sequence(lambda n: f"#{1000 + n}")
    email = "pat@example.com"
    customer_name = "Pat Doe"
    ship_name = "Pat Doe"
    ship_line1 = "1 Main St"
    ship_city = "Newark"
    ship_region = "NJ"
    ship_postal_code = "07102"
    ship_country = "US"


def order_with_lines(*, channel=None, lines, **kwargs) -> Order:
    """lines: [(product, qty), ...]"""
    order = OrderFactory(channel=channel or ChannelFactory(merchant=lines[0][0].merchant), **kwargs)
    for number, (product, qty) in enumerate(lines, start=1):
        OrderLine.objects.create(order=order, line_no=number, sku=product.sku, product=product, quantity=qty)
    return order


def storefront_channel(peer, **kwargs) -> Channel:
    """A storefront channel whose API is the given StorefrontPeer."""
    return ChannelFactory(kind=peer.kind, api_base_url=peer.url, api_credentials=peer.credentials, **kwargs)


def order_from_storefront(channel, data: dict) -> Order:
    """The storefront's own order JSON taken in the way a webhook is: normalized by the channel's adapter."""
    from orders.channels import adapter_for
    from orders.services.intake import order_upsert

    return order_upsert(channel=channel, normalized=adapter_for(channel.kind).normalize(data), source="test").order


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxMessage

    order = factory.SubFactory(OrderFactory)
    channel = factory.SelfAttribute("order.channel")
    sequence = factory.Sequence(lambda n: n + 1)
    kind = OutboxMessage.Kind.SHIPPED
    payload = factory.LazyFunction(lambda: {"carrier": "UPS", "tracking_number": "1Z999AA10123456784", "lines": []})
