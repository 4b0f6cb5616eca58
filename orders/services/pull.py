"""Catch-up pull: ask each storefront for orders changed since the saved cursor and feed them through
the same inbox as webhooks, so a missed webhook still becomes exactly one order."""

from __future__ import annotations

import json

from django.utils import timezone

from orders.adapters.base import PayloadError, WebhookEvent
from orders.channels import adapter_for, client_for
from orders.models import Channel, InboxDelivery
from orders.services.inbox import inbox_accept


def channel_pull(*, channel_id: int) -> int:
    """Returns how many new deliveries the pull stored. The network call holds no lock or transaction."""
    channel = Channel.objects.get(pk=channel_id)
    adapter = adapter_for(channel.kind)
    orders, cursor = client_for(channel).list_orders_changed_since(channel.pull_cursor or None)
    stored = 0
    for data in orders:
        try:
            stamp = adapter.normalize(data).channel_updated_at
        except PayloadError:
            stamp = None  # stored anyway: processing parks it with the reason for an operator
        event = WebhookEvent(
            topic="order.updated", event_id=f"{channel.kind}:pull:{data.get('id')}:{stamp.isoformat() if stamp else 'unknown'}",
            external_order_id=str(data.get("id", "")), payload=data,
        )
        accepted = inbox_accept(channel=channel, event=event, headers={}, body=json.dumps(data), source=InboxDelivery.Source.PULL)
        stored += bool(accepted and accepted[1])
    Channel.objects.filter(pk=channel.pk).update(pull_cursor=cursor or channel.pull_cursor, pulled_at=timezone.now())
    return stored


