"""The admin's merchant pages (channels, orders, inbox, outbox, stock pushes) follow the staff member's scope: a
staff member limited to merchant A neither lists, opens, filters by nor chooses merchant B or its channels."""

from __future__ import annotations

import pytest

from core import roles
from inventory.models import StaffScope
from orders.models import InboxDelivery
from tests.factories import MerchantFactory, UserFactory
from tests.orders.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_a_staff_member_limited_to_a_merchant_sees_only_its_channels_in_the_admin(client, roles_ready):
    acme, bloom = MerchantFactory(code="acme", name="Acme"), MerchantFactory(code="bloom", name="Bloom")
    mine = ChannelFactory(merchant=acme, name="acme shop")
    theirs = ChannelFactory(merchant=bloom, name="bloom shop")
    OrderFactory(channel=theirs, merchant=bloom, order_number="#bloom-1")
    InboxDelivery.objects.create(channel=theirs, dedup_key="bloom-delivery", topic="orders/create", body="{}",
                                 external_order_id="bloom-ext")
    user = UserFactory(role=roles.ADMIN, is_staff=True, is_superuser=True)
    StaffScope.objects.create(user=user).merchants.set([acme])
    client.force_login(user)

    listing = client.get("/admin/orders/channel/").content.decode()
    assert "acme shop" in listing and "bloom shop" not in listing and "Bloom" not in listing  # nor in the filter
    assert client.get(f"/admin/orders/channel/{theirs.pk}/change/").status_code == 302  # "does not exist"
    assert client.get(f"/admin/orders/channel/{mine.pk}/change/").status_code == 200
    form = client.get("/admin/orders/channel/add/").context["adminform"].form
    assert list(form.fields["merchant"].queryset) == [acme]
    assert "#bloom-1" not in client.get("/admin/orders/order/").content.decode()
    assert "bloom-ext" not in client.get("/admin/orders/inboxdelivery/").content.decode()

    StaffScope.objects.filter(user=user).delete()  # unrestricted: every merchant
    client.force_login(UserFactory(role=roles.ADMIN, is_staff=True, is_superuser=True))
    listing = client.get("/admin/orders/channel/").content.decode()
    assert "acme shop" in listing and "bloom shop" in listing
