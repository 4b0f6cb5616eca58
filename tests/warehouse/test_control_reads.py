"""The discrepancy list (API and queue page) reads every bin's history for the page in a fixed number of
queries, and each history is what the ledger says about that bin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from inventory.models import Movement, MovementKind
from inventory.services.stock import AdjustReason, stock_adjust, stock_move
from tests.factories import UserFactory
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.control.selectors import discrepancy_history
from warehouse.models import Discrepancy
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.picking import pick_scan

pytestmark = pytest.mark.django_db

PICKS = {1: 2, 4: 6}  # discrepancy number -> units picked one at a time from its bin before it


def _discrepancies(ps, count: int, start: int) -> None:
    for n in range(start, start + count):
        item, shelf = product(ps), ps.shelves[n % len(ps.shelves)]
        put(item, ps.dock, 10)
        for qty in (3, 2, 2, 1):
            stock_move(product=item, from_bin=ps.dock, to_bin=shelf, qty=qty, actor=ps.manager, kind=MovementKind.PUTAWAY)
        if n in PICKS:
            _pick_one_by_one(ps, item, PICKS[n])
        if n % 2:
            stock_adjust(product=item, bin=shelf, delta=-1, reason_code=AdjustReason.LOST, actor=ps.manager)
        Discrepancy.objects.create(warehouse=ps.warehouse, product=item, bin=shelf, kind="short", expected_qty=5,
                                   found_qty=4, reported_by=ps.picker)


def _pick_one_by_one(ps, item, units: int) -> None:
    released(ps, [(item, units)])
    session = planned_and_claimed(ps)
    line = current_line(session)
    pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=ps.picker)
    for _ in range(units):
        pick_scan(session=session, raw=item.sku, actor=ps.picker)
    assert current_line(session) is None


def _ids(moves) -> list[int]:
    return [move.pk for move in moves]


def _count(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def test_the_discrepancy_list_and_queue_read_bin_histories_in_a_fixed_number_of_queries(
        api_client, client, roles_ready, django_assert_num_queries):
    ps = build_pick_site(shelves=4, totes=2)
    controller = UserFactory(role=roles.INVENTORY_CONTROLLER)
    api_client.force_authenticate(controller)
    client.force_login(controller)
    _discrepancies(ps, 2, start=0)
    api_client.get("/api/v1/discrepancies/"), client.get(reverse("warehouse:discrepancy_queue"))  # warm caches
    api_two = _count(lambda: api_client.get("/api/v1/discrepancies/"))
    page_two = _count(lambda: client.get(reverse("warehouse:discrepancy_queue")))
    _discrepancies(ps, 8, start=2)

    with django_assert_num_queries(api_two):
        response = api_client.get("/api/v1/discrepancies/")
    with django_assert_num_queries(page_two):
        page = client.get(reverse("warehouse:discrepancy_queue"))

    assert response.status_code == 200 and page.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 10
    for row in rows:
        d = Discrepancy.objects.get(pk=row["id"])
        bin_moves = Movement.objects.filter(product_id=d.product_id, bin_id=d.bin_id)
        history = row["history"]
        last_count = bin_moves.filter(kind=MovementKind.ADJUST).first()
        assert (history["last_count"] or {}).get("id") == (last_count.pk if last_count else None)
        assert history["last_receipt"]["id"] == Movement.objects.filter(
            product_id=d.product_id, warehouse_id=d.warehouse_id, kind=MovementKind.RECEIVE).first().pk
        assert [m["id"] for m in history["last_putaways"]] == _ids(bin_moves.filter(kind=MovementKind.PUTAWAY)[:3])
        assert [m["id"] for m in history["last_picks"]] == _ids(bin_moves.filter(kind=MovementKind.PICK)[:5])
        assert history["system_qty"] == 8 - bin_moves.filter(kind=MovementKind.PICK).count() - (
            1 if last_count else 0)
        assert history["last_putaways"][0]["bin"] == d.bin.code
        assert d.bin.code in page.content.decode()
    assert sorted(len(row["history"]["last_picks"]) for row in rows)[-2:] == [2, 5]  # six picks: the last five
    single = discrepancy_history(Discrepancy.objects.order_by("id")[4], picks=2)
    assert len(single.last_picks) == 2 and len(single.last_putaways) == 3 and single.last_receipt is not None
