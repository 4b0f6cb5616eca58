"""Webhook hardening: a rate limit per channel, and webhook secret rotation with a grace period."""

import datetime as dt
import json
import logging

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from core import ratelimit
from core.errors import DomainError, PermissionDenied
from core.roles import ADMIN, OPS_MANAGER
from orders.models import Channel, InboxDelivery
from orders.services.channels import channel_secret_rotate
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import payload, shopify_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def pinned_clock(monkeypatch):
    """All requests of a test fall into one rate window, whatever the wall clock does meanwhile."""
    now = 1_900_000_000.0 + (timezone.now().timestamp() % 997) * 60  # a window no earlier run has used
    monkeypatch.setattr(ratelimit, "_now", lambda: now)
    return now


def deliver(client, channel, secret, *, event_id=None):
    body = json.dumps(payload("shopify_order")).encode()
    return client.post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json",
                       **shopify_headers(secret, body, event_id=event_id))


@override_settings(WEBHOOK_RATE_PER_MINUTE=3)
def test_over_the_channel_limit_a_delivery_gets_429_with_retry_after_and_is_not_stored(client, pinned_clock, django_assert_num_queries):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-rate")
    other = ChannelFactory(kind="shopify", webhook_secret="whsec-other")
    for n in range(3):
        assert deliver(client, channel, "whsec-rate", event_id=f"evt-{n}").status_code == 200
    refused = deliver(client, channel, "whsec-rate", event_id="evt-over")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "rate limit of 3 deliveries a minute" in refused.json()["error"]
    assert not InboxDelivery.objects.filter(dedup_key__endswith=":evt-over").exists()
    assert InboxDelivery.objects.filter(channel=channel).count() == 3
    # Another channel has its own budget.
    assert deliver(client, other, "whsec-other", event_id="evt-other").status_code == 200
    # The counter itself asks nothing of the database: a refused delivery on a cached channel makes no query.
    with django_assert_num_queries(0):
        assert deliver(client, channel, "whsec-rate", event_id="evt-over-2").status_code == 429


@override_settings(WEBHOOK_RATE_PER_MINUTE=1)
def test_forged_deliveries_do_not_use_up_a_channels_budget(client, pinned_clock):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-forged")
    for n in range(5):
        assert deliver(client, channel, "not-the-secret", event_id=f"forged-{n}").status_code == 401
    assert deliver(client, channel, "whsec-forged", event_id="genuine").status_code == 200


@override_settings(WEBHOOK_RATE_PER_MINUTE=2)
def test_the_next_window_accepts_again(client, monkeypatch, pinned_clock):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-window")
    for n in range(2):
        assert deliver(client, channel, "whsec-window", event_id=f"w-{n}").status_code == 200
    refused = deliver(client, channel, "whsec-window", event_id="w-late")
    assert refused.status_code == 429
    monkeypatch.setattr(ratelimit, "_now", lambda: pinned_clock + int(refused["Retry-After"]))
    assert deliver(client, channel, "whsec-window", event_id="w-late").status_code == 200


def test_after_rotation_the_new_and_old_secret_verify_until_the_grace_period_ends(client):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-old-0123456789")
    admin = UserFactory(role=ADMIN)
    channel_secret_rotate(channel=channel, new_secret="whsec-new-0123456789", grace_hours=24, actor=admin)
    channel.refresh_from_db()
    assert channel.webhook_secret == "whsec-new-0123456789"
    assert channel.previous_webhook_secret == "whsec-old-0123456789"
    assert deliver(client, channel, "whsec-new-0123456789", event_id="new").status_code == 200
    assert deliver(client, channel, "whsec-old-0123456789", event_id="old-in-grace").status_code == 200
    assert deliver(client, channel, "whsec-wrong-0123456789", event_id="wrong").status_code == 401
    # The grace period ends: the old secret is refused, the new one still verifies.
    Channel.objects.filter(pk=channel.pk).update(previous_secret_expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = deliver(client, channel, "whsec-old-0123456789", event_id="old-after-grace")
    assert refused.status_code == 401 and "authentication failed" in refused.json()["error"]
    assert deliver(client, channel, "whsec-new-0123456789", event_id="new-2").status_code == 200
    stored = {key.rsplit(":", 1)[-1] for key in InboxDelivery.objects.values_list("dedup_key", flat=True)}
    assert stored == {"new", "old-in-grace", "new-2"}


def test_rotation_with_no_grace_revokes_the_old_secret_at_once_even_on_a_cached_channel(client):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-old-0123456789")
    assert deliver(client, channel, "whsec-old-0123456789", event_id="before").status_code == 200  # now cached
    channel_secret_rotate(channel=channel, new_secret="whsec-new-0123456789", grace_hours=0, actor="security-job")
    assert deliver(client, channel, "whsec-old-0123456789", event_id="after").status_code == 401
    assert deliver(client, channel, "whsec-new-0123456789", event_id="after-new").status_code == 200


def test_rotation_is_for_admins_refuses_weak_or_unchanged_secrets_and_never_logs_a_secret(caplog):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-old-0123456789")
    with pytest.raises(PermissionDenied):
        channel_secret_rotate(channel=channel, new_secret="whsec-new-0123456789", actor=UserFactory(role=OPS_MANAGER))
    for bad, grace in (("short", 24), ("whsec-old-0123456789", 24), ("whsec-\x00-0123456789", 24),
                       ("whsec-new-0123456789", -1), ("whsec-new-0123456789", 10_000)):
        with pytest.raises(DomainError):
            channel_secret_rotate(channel=channel, new_secret=bad, grace_hours=grace, actor=UserFactory(role=ADMIN))
    channel.refresh_from_db()
    assert channel.webhook_secret == "whsec-old-0123456789" and channel.previous_webhook_secret == ""
    with caplog.at_level(logging.DEBUG):
        rotated = channel_secret_rotate(channel=channel, actor=UserFactory(role=ADMIN, username="ada"))
    assert len(rotated.webhook_secret) >= 32 and rotated.previous_webhook_secret == "whsec-old-0123456789"
    assert "webhook secret rotated" in caplog.text and "by=ada" in caplog.text
    assert rotated.webhook_secret not in caplog.text and "whsec-old" not in caplog.text
    assert "whsec" not in repr(rotated) and "whsec" not in str(rotated)


def test_refused_deliveries_never_log_the_secret_or_signature(client, caplog):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-logged-0123456789")
    body = json.dumps(payload("shopify_order")).encode()
    headers = shopify_headers("whsec-logged-0123456789", body)
    with caplog.at_level(logging.DEBUG):
        client.post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json",
                    **{**headers, "HTTP_X_SHOPIFY_SHOP_DOMAIN": "someone-else.myshopify.com"})
        deliver(client, channel, "not-the-secret")
    assert "webhook refused" in caplog.text
    assert "whsec-logged" not in caplog.text and headers["HTTP_X_SHOPIFY_HMAC_SHA256"] not in caplog.text


def test_the_admin_masks_the_secret_and_rotates_with_a_grace_period(client):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-admin-0123456789")
    admin = UserFactory(role=ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/orders/channel/{channel.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "whsec-admin-0123456789" not in html and "…6789" in html
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if form.initial.get(name) is not None}
    data.update({"merchant": channel.merchant_id, "new_webhook_secret": "whsec-rotated-0123456789", "grace_hours": "12"})
    for formset in page.context["inline_admin_formsets"]:  # the Shopify locations inline, left empty
        management = formset.formset.management_form
        data.update({management.add_prefix(name): value for name, value in
                     {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}.items()})
    saved = client.post(f"/admin/orders/channel/{channel.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    channel.refresh_from_db()
    assert channel.webhook_secret == "whsec-rotated-0123456789"
    assert channel.previous_webhook_secret == "whsec-admin-0123456789"
    hours = (channel.previous_secret_expires_at - timezone.now()).total_seconds() / 3600
    assert 11.9 < hours <= 12


@override_settings(WEBHOOK_RATE_PER_MINUTE=1)
def test_without_a_reachable_cache_deliveries_are_let_through_not_refused(client, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(ratelimit.cache, "add", unreachable)
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-nocache")
    assert [deliver(client, channel, "whsec-nocache", event_id=f"n-{n}").status_code for n in range(3)] == [200] * 3
    assert InboxDelivery.objects.filter(channel=channel).count() == 3
    assert "rate limit counter unavailable for webhook" in caplog.text


@pytest.mark.django_db(transaction=True)
@override_settings(WEBHOOK_RATE_PER_MINUTE=5)
def test_simultaneous_deliveries_are_counted_atomically_exactly_the_limit_is_stored(pinned_clock):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-burst")
    statuses = run_in_threads(lambda i: deliver(Client(), channel, "whsec-burst", event_id=f"burst-{i}").status_code, 12)
    assert sorted(statuses) == [200] * 5 + [429] * 7
    assert InboxDelivery.objects.filter(channel=channel).count() == 5
