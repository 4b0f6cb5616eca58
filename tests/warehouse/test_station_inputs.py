"""Any input typed into a station is answered at the station: no 500, nothing changed, no sticky quantity."""

import pytest
from django.urls import reverse

from core import roles
from layout.models import Bin
from tests.factories import BinFactory, UserFactory
from tests.warehouse.inbound import build_site, make_po, new_product, scan_id
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import CartonItem, Pack, PickSession, Receipt, ReceivingException, StationScan

pytestmark = pytest.mark.django_db


def post(client, url, code, sid=None):
    return client.post(url, {"code": code, "scan_id": sid or scan_id()}, HTTP_HX_REQUEST="true")


def refused(response, words):
    body = response.content.decode()
    assert response.status_code == 200, body[:500]
    assert 'data-scan-result="error"' in body
    assert words in body
    return body


@pytest.fixture
def site(roles_ready):
    return build_site()


@pytest.fixture
def receiving(client, site):
    product = new_product(site)
    po = make_po(site, [(product, 5)], number="IN-1")
    client.force_login(site.receiver)
    url = reverse("warehouse:receiving_submit")
    assert 'data-scan-result="ok"' in post(client, url, "PO:IN-1").content.decode()
    return url, po, product


@pytest.mark.parametrize("code", ["\x00", "PO:\x00IN-1", "ABC\x00DEF", "\x00x5"])
def test_a_nul_byte_at_receiving_is_refused_and_changes_nothing(client, receiving, code):
    url, po, product = receiving
    before = StationScan.objects.count()
    refused(post(client, url, code), "cannot be read")
    assert not ReceivingException.objects.exists() and po.lines.get().received_qty == 0
    assert Receipt.objects.get().pending_qty is None
    assert StationScan.objects.count() == before + 1  # remembered as refused, so a retry answers the same
    assert 'data-scan-result="ok"' in post(client, url, product.sku).content.decode()
    assert po.lines.get().received_qty == 1


def test_a_scan_longer_than_any_barcode_is_refused_and_the_next_scan_is_applied(client, receiving):
    url, po, product = receiving
    sid = scan_id()
    refused(post(client, url, "A" * 81, sid), "too long")
    refused(post(client, url, "A" * 81, sid), "too long")  # the retry answers the same
    refused(post(client, url, "9" * 5000), "too long")
    assert not ReceivingException.objects.exists()
    assert 'data-scan-result="ok"' in post(client, url, product.sku).content.decode()
    assert po.lines.get().received_qty == 1


def test_a_refused_quantity_at_receiving_is_not_attached_to_the_next_scan(client, receiving):
    url, po, product = receiving
    post(client, url, "x99999")
    refused(post(client, url, product.sku), "")
    assert Receipt.objects.get().pending_qty is None
    post(client, url, "NOT-A-KNOWN-CODE")
    assert ReceivingException.objects.get().qty == 1
    assert Receipt.objects.get().pending_qty is None
    post(client, url, "x3")
    body = post(client, url, "ANOTHER-UNKNOWN").content.decode()
    assert "Unknown barcode" in body
    assert ReceivingException.objects.get(barcode="ANOTHER-UNKNOWN").qty == 3
    assert Receipt.objects.get().pending_qty is None  # the unknown barcode took the quantity with it


def test_the_pending_quantity_is_shown_until_it_is_used_or_refused(client, receiving):
    url, po, product = receiving
    assert "Pending quantity: 4" in post(client, url, "x4").content.decode()
    assert "Pending quantity: 4" in client.get(reverse("warehouse:receiving_station")).content.decode()
    body = refused(post(client, url, "BIN:NOWHERE"), "no bin")
    assert "Pending quantity" not in body


@pytest.fixture
def ps(roles_ready):
    site = build_pick_site()
    carton_types()
    return site


@pytest.mark.parametrize("code", ["\x00", "BIN:\x00", "A" * 300])
def test_a_nul_byte_or_overlong_scan_at_picking_is_refused(client, ps, code):
    item = product(ps)
    put(item, ps.shelves[0], 3)
    released(ps, [(item, 2)])
    session = planned_and_claimed(ps)
    client.force_login(ps.picker)
    url = reverse("warehouse:pick_submit", args=[ps.warehouse.code])
    post(client, url, "x2")
    refused(post(client, url, code), "")
    session.refresh_from_db()
    assert session.status == PickSession.Status.CLAIMED and session.pending_qty is None
    assert not session.lines.filter(picked_qty__gt=0).exists()


@pytest.mark.parametrize("code", ["\x00", "TOTE:\x00", "A" * 300])
def test_a_nul_byte_or_overlong_scan_at_packing_is_refused(client, ps, code):
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    BinFactory(zone=ps.pack.zone, code="PACK-9", kind=Bin.Kind.PACK_STATION)
    packer = UserFactory(role=roles.PACKER)
    client.force_login(packer)
    url = reverse("warehouse:pack_submit", args=[ps.warehouse.code, "PACK-9"])
    refused(post(client, url, code), "")
    assert not Pack.objects.exists()
    assert 'data-scan-result="ok"' in post(client, url, f"TOTE:{tote.code}").content.decode()
    refused(post(client, url, code), "")
    assert not CartonItem.objects.exists()


def test_a_refused_scan_at_packing_clears_the_typed_quantity(client, ps):
    shirt, stranger = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    BinFactory(zone=ps.pack.zone, code="PACK-9", kind=Bin.Kind.PACK_STATION)
    packer = UserFactory(role=roles.PACKER)
    client.force_login(packer)
    url = reverse("warehouse:pack_submit", args=[ps.warehouse.code, "PACK-9"])
    post(client, url, f"TOTE:{tote.code}")
    assert "Pending quantity: 5" in post(client, url, "x5").content.decode()
    body = refused(post(client, url, stranger.sku), "")
    assert "Pending quantity" not in body
    assert Pack.objects.get().pending_qty is None
    assert 'data-scan-result="ok"' in post(client, url, shirt.sku).content.decode()
    assert CartonItem.objects.get().qty == 1


def test_station_pages_are_never_served_from_the_browser_cache(client, site, ps):
    client.force_login(site.receiver)
    response = client.get(reverse("warehouse:receiving_station"))
    assert "no-store" in response["Cache-Control"]
    assert "no-store" in post(client, reverse("warehouse:receiving_submit"), "x2")["Cache-Control"]
    client.force_login(ps.picker)
    assert "no-store" in client.get(reverse("warehouse:pick_station", args=[ps.warehouse.code]))["Cache-Control"]
