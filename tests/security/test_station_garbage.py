"""Scanner garbage at every station: random text (control characters and NUL included, up to 2,000
characters) and real barcodes of the wrong kind (a bin where a tote is expected, another merchant's GTIN, an
order number, a serial, a PO or RMA label), sent to each station's page and to its REST endpoint, answer with
a clear refusal, never a 500, and change nothing: no ledger row, no bin stock, no task, session, line, pack or
count state.

Each station is put mid-task first (a receipt open, a task or session claimed, a pack open, a unit waiting for
its grade), where a wrong scan could do the most harm. The state persists across the generated examples:
after any number of refused scans the station must still be exactly where it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core import roles
from inventory.models import BinStock, Movement
from orders.models import Order
from returns.models import ReturnParcel, ReturnUnit
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory
from tests.returns.factories import build_return_site, open_rma, shipped_order
from tests.warehouse.consolidating import claim, pick_all, tote_of, two_zone_site, zone_order
from tests.warehouse.counting import build_count_site
from tests.warehouse.inbound import build_site, gtin_of, make_po, new_product
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.control.services.count_plans import count_request
from warehouse.control.services.counting import count_claim_next
from warehouse.inbound.services.putaway import putaway_claim_next
from warehouse.inbound.services.receiving import receipt_close, receipt_open, receiving_scan
from warehouse.models import (
    CartonItem,
    CountTask,
    Discrepancy,
    Pack,
    PickLine,
    PickSession,
    PurchaseOrderLine,
    PutawayTask,
    Receipt,
    ReceivingException,
    ReplenishmentTask,
)
from warehouse.outbound.services.replenishment import replenishment_claim_next, replenishment_raise
from warehouse.scanning import QTY_PATTERN

pytestmark = pytest.mark.django_db

GARBAGE_SETTINGS = settings(max_examples=25, derandomize=True, deadline=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                   HealthCheck.data_too_large])

_ANY = st.characters(blacklist_categories=("Cs",))  # every code point a form can carry, NUL and controls included
_CONTROLS = st.characters(min_codepoint=0, max_codepoint=0x1f)
garbage_text = st.one_of(
    st.text(_ANY, min_size=1, max_size=2000),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), min_size=1, max_size=90),  # keyboard junk
    st.builds(lambda a, c, b: a + c + b, st.text(_ANY, max_size=40), _CONTROLS, st.text(_ANY, max_size=40)),
    st.text(st.characters(whitelist_categories=("Nd",)), min_size=8, max_size=20),  # digits of any script
    st.sampled_from(["\x00", "BIN:\x00", "TOTE:\x00", "x0", "x99999", "QTY:0", "CMD:", "CMD:\x00", "BIN:", "TOTE:",
                     "PO:", "RMA:", "(01)", "(01)0000000000000", "]C1", "\x1d\x1d", "(17)991340(10)", "9" * 2000,
                     "\xa0", "\u2003", "\u3000", "\x85", "\u2028", "\x1d", " \x1d ", "A\xa0B"]),
)


def station_input(text: str) -> bool:
    """What a station reads as an instruction of its own rather than a scan: Enter (take the next task),
    a quantity for the next scan, a command, a note. Those are not garbage."""
    stripped = text.strip("\r\n\t ")
    return (not stripped or bool(QTY_PATTERN.match(stripped)) or stripped.upper().startswith(("CMD:", "NOTE:")))


def world_state() -> dict:
    """Everything a scan could change, row by row (the scan log itself records refusals by design, and an
    unknown barcode at receiving is captured for a manager, as the station says)."""
    def rows(model, **exclude):
        return list(model.objects.exclude(**exclude).order_by("pk").values()) if exclude else \
            list(model.objects.order_by("pk").values())
    return {
        "ledger": Movement.objects.count(),
        "bin_stock": list(BinStock.objects.order_by("pk").values_list("pk", "qty")),
        "receipts": rows(Receipt), "po_lines": rows(PurchaseOrderLine),
        "exceptions": rows(ReceivingException, kind=ReceivingException.Kind.UNKNOWN_BARCODE),
        "putaway": rows(PutawayTask), "pick_sessions": rows(PickSession), "pick_lines": rows(PickLine),
        "packs": rows(Pack), "carton_items": rows(CartonItem), "counts": rows(CountTask),
        "replenishment": rows(ReplenishmentTask), "discrepancies": rows(Discrepancy),
        "parcels": rows(ReturnParcel), "units": rows(ReturnUnit),
    }


@dataclass
class Station:
    page_url: str
    login: object
    wrong_kinds: list[str]
    api: Callable[[APIClient, str], object] | None = None
    session_keys: list[str] = field(default_factory=list)


def foreign_codes() -> list[str]:
    """Real barcodes of things that are never what a station asks for here."""
    stranger = ProductFactory(merchant=MerchantFactory())
    gtin = gtin_of(stranger)
    elsewhere = BinFactory(code="Z-99-99-Z")
    return [gtin, gtin[-13:], f"]C101{gtin}21SN-0001", f"(01){gtin}(21)SN-0001", stranger.sku,
            f"BIN:{elsewhere.code}", "RMA:R-NOPE", "PO:NO-SUCH-PO", "00006141410000000017"]


def order_numbers() -> list[str]:
    return list(Order.objects.values_list("order_number", flat=True)[:2]) or ["#1001"]


@pytest.fixture
def receiving(client, roles_ready):
    site = build_site()
    item = new_product(site)
    make_po(site, [(item, 5)], number="IN-1")
    client.force_login(site.receiver)
    client.post(reverse("warehouse:receiving_submit"), {"code": "PO:IN-1", "scan_id": str(uuid.uuid4())})
    receipt = Receipt.objects.get()
    return Station(
        page_url=reverse("warehouse:receiving_submit"), login=site.receiver,
        wrong_kinds=[f"TOTE:{site.dock.code}", f"BIN:{site.shelves[0].code}", *foreign_codes(), *order_numbers()],
        api=lambda api, code: api.post(f"/api/v1/receipts/{receipt.pk}/scans/", {"scan_id": str(uuid.uuid4()), "code": code},
                                       format="json"),
    )


@pytest.fixture
def putaway(client, roles_ready):
    site = build_site()
    item = new_product(site)
    receipt = receipt_open(purchase_order=make_po(site, [(item, 4)]), actor=site.receiver)
    receiving_scan(receipt=receipt, raw="x4", actor=site.receiver)
    receiving_scan(receipt=receipt, raw=item.sku, actor=site.receiver)
    receipt_close(receipt=receipt, actor=site.receiver)
    task = putaway_claim_next(warehouse=site.warehouse, actor=site.receiver)
    assert task is not None and task.suggested_bin_id
    tote = BinFactory(zone=site.pack.zone, code="T-901", kind="tote", is_pickable=False)
    client.force_login(site.receiver)
    return Station(
        page_url=reverse("warehouse:putaway_submit", args=[site.warehouse.code]), login=site.receiver,
        wrong_kinds=[f"TOTE:{tote.code}", f"BIN:{site.dock.code}", f"BIN:{site.pack.code}", *foreign_codes(),
                     *order_numbers()],
        api=lambda api, code: api.post(f"/api/v1/putaway-tasks/{task.pk}/scans/", {"scan_id": str(uuid.uuid4()), "code": code},
                                       format="json"),
    )


@pytest.fixture
def picking(client, roles_ready):
    ps = build_pick_site()
    item = product(ps)
    put(item, ps.shelves[0], 5)
    released(ps, [(item, 2)])
    session = planned_and_claimed(ps)
    assert session is not None
    client.force_login(ps.picker)
    return Station(
        page_url=reverse("warehouse:pick_submit", args=[ps.warehouse.code]), login=ps.picker,
        wrong_kinds=[f"TOTE:{ps.totes[-1].code}", f"BIN:{ps.shelves[3].code}", f"BIN:{ps.dock.code}", *foreign_codes(),
                     *order_numbers()],
        api=lambda api, code: api.post(f"/api/v1/pick-sessions/{session.pk}/scans/", {"scan_id": str(uuid.uuid4()), "code": code},
                                       format="json"),
    )


@pytest.fixture
def packing(client, roles_ready):
    ps = build_pick_site()
    carton_types()
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    packer = UserFactory(role=roles.PACKER)
    client.force_login(packer)
    url = reverse("warehouse:pack_submit", args=[ps.warehouse.code, ps.pack.code])
    answer = client.post(url, {"code": f"TOTE:{tote.code}", "scan_id": str(uuid.uuid4())}).content.decode()
    assert 'data-scan-result="ok"' in answer, answer
    return Station(
        page_url=url, login=packer,
        wrong_kinds=[f"BIN:{ps.shelves[0].code}", f"TOTE:{ps.totes[-1].code}", f"TOTE:{tote.code}", *foreign_codes(),
                     order.order_number],
        api=lambda api, code: api.post(f"/api/v1/warehouses/{ps.warehouse.code}/pack-stations/{ps.pack.code}/scans/",
                                       {"scan_id": str(uuid.uuid4()), "code": code}, format="json"),
    )


@pytest.fixture
def consolidation(client, roles_ready):
    site = two_zone_site()
    carton_types()
    order, shirt, lamp, wave = zone_order(site)
    near, far = claim(site, site.pickers[0]), claim(site, site.pickers[1])
    pick_all(near, site.pickers[0])
    pick_all(far, site.pickers[1])
    client.force_login(site.packer)
    url = reverse("warehouse:pack_submit", args=[site.warehouse.code, site.pack.code])
    answer = client.post(url, {"code": f"TOTE:{tote_of(near).code}", "scan_id": str(uuid.uuid4())}).content.decode()
    assert "scan the other tote" in answer, answer
    return Station(
        page_url=url, login=site.packer,
        wrong_kinds=[f"BIN:{site.far[0].code}", f"TOTE:{site.totes[-1].code}", shirt.sku, lamp.sku, *foreign_codes(), order.order_number],
        api=lambda api, code: api.post(f"/api/v1/warehouses/{site.warehouse.code}/pack-stations/{site.pack.code}/scans/",
                                       {"scan_id": str(uuid.uuid4()), "code": code}, format="json"),
    )


@pytest.fixture
def returns(client, roles_ready):
    site = build_return_site()
    shirt = site.products[0]
    rma = open_rma(site, shipped_order(site, [(shirt, 2)]), [(shirt, 2)])
    client.force_login(site.processor)
    url = reverse("returns:station_submit", args=[site.warehouse.code])
    for code in (rma.code, shirt.sku):  # the parcel is open and its first unit waits for a grade
        answer = client.post(url, {"code": code, "scan_id": str(uuid.uuid4())}).content.decode()
        assert 'data-scan-result="ok"' in answer, answer
    unit = ReturnUnit.objects.get()
    return Station(
        page_url=url, login=site.processor,
        wrong_kinds=[f"BIN:{site.shelves[0].code}", "TOTE:T-001", rma.code, shirt.sku, *foreign_codes(), *order_numbers()],
        api=lambda api, code: api.post(f"/api/v1/returns/units/{unit.pk}/grade/", {"grade": code, "bin": code}, format="json"),
        session_keys=[f"returns_station:{site.warehouse.pk}"],
    )


@pytest.fixture
def counting(client, roles_ready):
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 4)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    task = count_claim_next(warehouse=ps.warehouse, actor=ps.counter)
    assert task is not None
    client.force_login(ps.counter)
    return Station(
        page_url=reverse("warehouse:count_submit", args=[ps.warehouse.code]), login=ps.counter,
        wrong_kinds=[f"BIN:{ps.shelves[1].code}", f"TOTE:{ps.totes[0].code}", *foreign_codes(), *order_numbers()],
        api=lambda api, code: api.post(f"/api/v1/count-tasks/{task.pk}/scans/", {"scan_id": str(uuid.uuid4()), "code": code},
                                       format="json"),
    )


@pytest.fixture
def replenishment(client, roles_ready):
    ps = build_pick_site(shelves=3, totes=4)
    item = product(ps, name="Soap")
    face = ps.shelves[0]
    reserve = BinFactory(zone=face.zone, code="R-09-01-A", kind="pallet", is_pickable=False, walk_x=90, walk_y=10)
    put(item, face, 2)
    put(item, reserve, 50)
    from warehouse.models import PickFace
    PickFace.objects.create(warehouse=ps.warehouse, bin=face, product=item, min_qty=5, max_qty=20)
    replenishment_raise(warehouse=ps.warehouse)
    operator = UserFactory(role=roles.PICKER)
    assert replenishment_claim_next(warehouse=ps.warehouse, actor=operator) is not None
    client.force_login(operator)
    return Station(
        page_url=reverse("warehouse:replenishment_submit", args=[ps.warehouse.code]), login=operator,
        wrong_kinds=[f"BIN:{ps.shelves[2].code}", f"BIN:{face.code}", f"TOTE:{ps.totes[0].code}", *foreign_codes(),
                     *order_numbers()],
    )


# Idle stations: nothing in hand, work waiting. Only Enter (or CMD:NEXT, or the item waiting at putaway) takes it;
# garbage must not. (An idle returns bench keeps whatever parcel is scanned, unexpected ones included, by design.)

@pytest.fixture
def putaway_idle(client, roles_ready):
    site = build_site()
    item = new_product(site)
    receipt = receipt_open(purchase_order=make_po(site, [(item, 4)]), actor=site.receiver)
    receiving_scan(receipt=receipt, raw="x4", actor=site.receiver)
    receiving_scan(receipt=receipt, raw=item.sku, actor=site.receiver)
    receipt_close(receipt=receipt, actor=site.receiver)
    client.force_login(site.receiver)
    return Station(page_url=reverse("warehouse:putaway_submit", args=[site.warehouse.code]), login=site.receiver,
                   wrong_kinds=[f"BIN:{site.shelves[0].code}", f"BIN:{site.dock.code}", *foreign_codes()])


@pytest.fixture
def picking_idle(client, roles_ready):
    ps = build_pick_site()
    item = product(ps)
    put(item, ps.shelves[0], 5)
    released(ps, [(item, 2)])
    from warehouse.outbound.services.waves import wave_plan
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    client.force_login(ps.picker)
    return Station(page_url=reverse("warehouse:pick_submit", args=[ps.warehouse.code]), login=ps.picker,
                   wrong_kinds=[f"TOTE:{ps.totes[0].code}", f"BIN:{ps.shelves[0].code}", item.sku, *foreign_codes(),
                                *order_numbers()])


@pytest.fixture
def packing_idle(client, roles_ready):
    ps = build_pick_site()
    carton_types()
    order, tote = picked(ps, [(product(ps), 2)])
    packer = UserFactory(role=roles.PACKER)
    client.force_login(packer)
    return Station(
        page_url=reverse("warehouse:pack_submit", args=[ps.warehouse.code, ps.pack.code]), login=packer,
        wrong_kinds=[f"BIN:{tote.code}", f"BIN:{ps.shelves[0].code}", f"TOTE:{ps.totes[-1].code}", *foreign_codes()],
        api=lambda api, code: api.post(f"/api/v1/warehouses/{ps.warehouse.code}/pack-stations/{ps.pack.code}/scans/",
                                       {"scan_id": str(uuid.uuid4()), "code": code}, format="json"),
    )


@pytest.fixture
def counting_idle(client, roles_ready):
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 4)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    client.force_login(ps.counter)
    return Station(page_url=reverse("warehouse:count_submit", args=[ps.warehouse.code]), login=ps.counter,
                   wrong_kinds=[f"BIN:{ps.shelves[0].code}", item.sku, *foreign_codes()])


@pytest.fixture
def replenishment_idle(client, roles_ready):
    ps = build_pick_site(shelves=3, totes=4)
    item = product(ps, name="Soap")
    face = ps.shelves[0]
    reserve = BinFactory(zone=face.zone, code="R-09-01-A", kind="pallet", is_pickable=False, walk_x=90, walk_y=10)
    put(item, reserve, 50)
    from warehouse.models import PickFace
    PickFace.objects.create(warehouse=ps.warehouse, bin=face, product=item, min_qty=5, max_qty=20)
    replenishment_raise(warehouse=ps.warehouse)
    operator = UserFactory(role=roles.PICKER)
    client.force_login(operator)
    return Station(page_url=reverse("warehouse:replenishment_submit", args=[ps.warehouse.code]), login=operator,
                   wrong_kinds=[f"BIN:{reserve.code}", f"BIN:{face.code}", item.sku, *foreign_codes()])


STATIONS = ["receiving", "putaway", "picking", "packing", "consolidation", "returns", "counting", "replenishment",
            "putaway_idle", "picking_idle", "packing_idle", "counting_idle", "replenishment_idle"]


def _session(client, keys):
    return {key: client.session.get(key) for key in keys}


def _page_refused(response) -> None:
    body = response.content.decode()
    assert response.status_code < 500, body[:500]
    assert response.status_code == 200, (response.status_code, body[:300])
    assert 'data-scan-result="error"' in body, body[-1500:]


def _api_refused(response) -> None:
    assert response.status_code < 500, response.content[:500]
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    message = body.get("message") or body.get("detail") or body.get("error") or body
    assert message, body


@pytest.mark.parametrize("name", STATIONS)
def test_garbage_at_a_station_is_refused_and_changes_nothing(name, request, client):
    station: Station = request.getfixturevalue(name)
    api = APIClient()
    api.force_authenticate(station.login)
    before, session_before = world_state(), _session(client, station.session_keys)
    wrong = st.sampled_from(station.wrong_kinds)

    @GARBAGE_SETTINGS
    @given(code=st.one_of(garbage_text, wrong))
    def scan_garbage(code):
        assume(not station_input(code))
        _page_refused(client.post(station.page_url, {"code": code, "scan_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true"))
        if station.api is not None:
            _api_refused(station.api(api, code))
        assert world_state() == before, code
        assert _session(client, station.session_keys) == session_before

    scan_garbage()


@pytest.mark.parametrize("name", ["picking_idle", "replenishment_idle", "counting_idle", "putaway_idle"])
@pytest.mark.parametrize("code", ["\xa0", "\u2003", "\x85", "\x1d", " \u3000 "])
def test_a_typographic_space_is_not_read_as_enter(name, code, request, client):
    """Python's strip() takes these for whitespace: a station once read them as Enter and handed out work."""
    station: Station = request.getfixturevalue(name)
    before = world_state()
    _page_refused(client.post(station.page_url, {"code": code, "scan_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true"))
    assert world_state() == before
