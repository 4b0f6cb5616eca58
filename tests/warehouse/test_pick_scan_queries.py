"""A pick scan confirm is a handful of round trips: one savepoint for the scan, each row locked once, nothing
read twice, the station's next screen rendered from what the confirm has in hand."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import BinStock, Movement, Reservation
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import PickLine, PickSession

pytestmark = pytest.mark.django_db

# Station post, whole request: the login session, the user and their roles, the warehouse (4); the scan id's
# row and its answer (2); the scan's one savepoint and its release (2); the typed code checked against bin labels
# (1); the session's and the line's locks (2); stock_pick's six statements; the line's and the session's UPDATE
# (2). Under test the request's transaction is a savepoint too (2): 21.
STATION_CONFIRM_QUERIES = 21
API_CONFIRM_QUERIES = 20  # no label check and no page, but the session is looked up in the picker's scope first


def post_scan(client, ps, code):
    return client.post(reverse("warehouse:pick_submit", args=[ps.warehouse.code]),
                       {"code": code, "scan_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true")


def two_line_session(ps):
    shirt, socks = product(ps), product(ps)
    put(shirt, ps.shelves[1], 10)
    put(socks, ps.shelves[2], 10)
    released(ps, [(shirt, 3), (socks, 2)])
    return planned_and_claimed(ps), shirt, socks


def test_a_station_confirm_takes_a_handful_of_round_trips_and_shows_the_next_screen(client, django_assert_max_num_queries):
    ps = build_pick_site()
    session, shirt, socks = two_line_session(ps)
    tote = session.slots.get().tote
    client.force_login(ps.picker)
    post_scan(client, ps, f"BIN:{ps.shelves[1].code}")
    post_scan(client, ps, shirt.sku)  # warm: the first scan of a process loads what every scan shares

    with CaptureQueriesContext(connection) as seen, django_assert_max_num_queries(STATION_CONFIRM_QUERIES):
        reply = post_scan(client, ps, shirt.sku).content.decode()
    assert sum(q["sql"].startswith("SAVEPOINT") for q in seen.captured_queries) == 2  # the request's and the scan's
    assert "Put 1 x" in reply and "1 more" in reply and 'data-pick-qty>1<' in reply
    assert f'data-pick-bin="{ps.shelves[1].code}"' in reply and "0 of 2 lines" in reply

    # The line is done: whether the session is done too, and the next line for the screen, are read.
    with django_assert_max_num_queries(STATION_CONFIRM_QUERIES + 2):
        reply = post_scan(client, ps, shirt.sku).content.decode()
    assert "line done" in reply and f'data-pick-bin="{ps.shelves[2].code}"' in reply and socks.sku in reply
    assert "1 of 2 lines" in reply and 'data-pick-qty>2<' in reply
    # What the page shows from the confirm is what a fresh read shows.
    page = client.get(reverse("warehouse:pick_station", args=[ps.warehouse.code])).content.decode()
    assert f'data-pick-bin="{ps.shelves[2].code}"' in page and "1 of 2 lines" in page

    assert BinStock.objects.get(bin=tote, product=shirt).qty == 3
    assert BinStock.objects.get(bin=ps.shelves[1], product=shirt).qty == 7
    assert Movement.objects.filter(product=shirt, kind="pick").count() == 6  # two ledger rows per unit
    reservation = Reservation.objects.get(product=shirt)
    assert (reservation.qty, reservation.picked_qty) == (0, 3)
    assert PickLine.objects.get(product=shirt).status == PickLine.Status.PICKED
    assert_stock_invariants()


def test_the_last_confirm_finishes_the_session_and_the_page_says_so(client):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[1], 4)
    released(ps, [(shirt, 1)])
    session = planned_and_claimed(ps)
    client.force_login(ps.picker)
    post_scan(client, ps, f"BIN:{ps.shelves[1].code}")
    reply = post_scan(client, ps, shirt.sku).content.decode()
    assert "Session picked" in reply and "Press Enter for the next session" in reply
    assert PickSession.objects.get(pk=session.pk).status == PickSession.Status.DONE


def test_a_refused_confirm_changes_nothing_and_records_its_refusal(client):
    ps = build_pick_site()
    session, shirt, _ = two_line_session(ps)
    client.force_login(ps.picker)
    post_scan(client, ps, f"BIN:{ps.shelves[1].code}")
    BinStock.objects.filter(bin=ps.shelves[1], product=shirt).update(qty=0)  # the shelf lost its units unseen
    before = Movement.objects.count()
    reply = post_scan(client, ps, shirt.sku).content.decode()
    assert 'data-scan-result="error"' in reply
    assert Movement.objects.count() == before
    assert Reservation.objects.get(product=shirt).qty == 3
    assert PickLine.objects.get(product=shirt).picked_qty == 0
    assert PickSession.objects.get(pk=session.pk).pending_qty is None


def test_a_rest_scan_confirm_takes_a_handful_of_round_trips(api_client, roles_ready, django_assert_max_num_queries):
    ps = build_pick_site()
    session, shirt, _ = two_line_session(ps)
    api_client.force_authenticate(ps.picker)

    def scan(code):
        response = api_client.post(f"/api/v1/pick-sessions/{session.pk}/scans/",
                                   {"scan_id": str(uuid.uuid4()), "code": code}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    scan(f"BIN:{ps.shelves[1].code}")
    scan(shirt.sku)
    with django_assert_max_num_queries(API_CONFIRM_QUERIES):
        body = scan(shirt.sku)
    assert body["ok"] and body["data"]["picked"] == 1
    assert Reservation.objects.get(product=shirt).picked_qty == 2
