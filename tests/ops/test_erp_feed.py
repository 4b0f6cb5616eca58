"""The ERP feed: the ledger and shipped cartons by cursor, every row once even while transactions commit out of
id order, each caller seeing only its merchant or scope, as JSON pages or streamed CSV."""

from __future__ import annotations

import csv
import io
import random
import threading
import time

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token

from core import roles
from inventory.models import Movement, StaffScope
from inventory.services.stock import stock_receive
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, WarehouseFactory, merchant_user
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.outbound.services.packing import pack_scan, pack_start

MOVEMENTS = "/api/v1/erp/movements/"
SHIPMENTS = "/api/v1/erp/shipments/"


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def receive(item, bin_, qty=1):
    return stock_receive(product=item, bin=bin_, qty=qty, actor="test", reference="erp-test").movements[0]


def drain(client, headers, url=MOVEMENTS, cursor=None, limit=2):
    """Every page until the feed has nothing more; the ids served, in order, and the last cursor."""
    served = []
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params, **headers).json()
        served += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return served, cursor


@pytest.fixture
def site(transactional_db):
    # Committed rows: a feed serves only rows of finished transactions, and a test's own open transaction is not.
    warehouse = WarehouseFactory()
    bin_ = BinFactory(warehouse=warehouse)
    ours, theirs = MerchantFactory(), MerchantFactory()
    return {"warehouse": warehouse, "bin": bin_, "ours": ProductFactory(merchant=ours),
            "theirs": ProductFactory(merchant=theirs), "merchant": ours, "other": theirs}


@pytest.mark.django_db(transaction=True)
def test_pages_serve_every_movement_once_and_a_cursor_waits_for_new_rows(client, site):
    ops = UserFactory(role=roles.OPS_MANAGER)
    made = [receive(site["ours"], site["bin"]).pk for _ in range(5)]
    served, cursor = drain(client, auth(ops))
    assert served == made
    again = client.get(MOVEMENTS, {"cursor": cursor}, **auth(ops)).json()
    assert again == {"results": [], "next_cursor": cursor, "has_more": False}
    later = receive(site["ours"], site["bin"], 3)
    body = client.get(MOVEMENTS, {"cursor": cursor}, **auth(ops)).json()
    assert [(row["id"], row["qty"], row["sku"], row["kind"]) for row in body["results"]] == [
        (later.pk, 3, site["ours"].sku, "receive")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("params", [{"cursor": "nope"}, {"cursor": "a\x00b"}, {"limit": "0"}, {"limit": "x"},
                                    {"limit": "5001"}, {"limit": "1\x00"}, {"format": "xml"}, {"cursor": "c2hpcG1lbnRzOjE6MQ"}])
def test_a_bad_cursor_or_limit_is_refused_with_400(client, site, params):
    ops = UserFactory(role=roles.OPS_MANAGER)
    response = client.get(MOVEMENTS, params, **auth(ops))
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    if "format" not in params:
        assert client.get(MOVEMENTS, {**params, "format": "csv"}, **auth(ops)).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_merchant_sees_only_its_own_rows_and_staff_only_their_scope(client, site):
    ours = receive(site["ours"], site["bin"])
    theirs = receive(site["theirs"], site["bin"])
    elsewhere_bin = BinFactory(warehouse=WarehouseFactory())
    elsewhere = receive(site["ours"], elsewhere_bin)
    assert drain(client, auth(merchant_user(site["merchant"])))[0] == [ours.pk, elsewhere.pk]
    assert drain(client, auth(merchant_user(site["other"])))[0] == [theirs.pk]
    scoped = UserFactory(role=roles.OPS_MANAGER)
    StaffScope.objects.create(user=scoped).warehouses.add(site["warehouse"])
    assert drain(client, auth(scoped))[0] == [ours.pk, theirs.pk]
    for role in (roles.PICKER, roles.WAREHOUSE_MANAGER, roles.CUSTOMER_SERVICE):
        assert client.get(MOVEMENTS, **auth(UserFactory(role=role))).status_code == 403
    assert client.get(MOVEMENTS).status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_csv_streams_every_final_row_after_the_cursor_and_names_the_next_one(client, site):
    ops = UserFactory(role=roles.OPS_MANAGER)
    first = receive(site["ours"], site["bin"], 2)
    _, cursor = drain(client, auth(ops))
    made = [receive(site["ours"], site["bin"], n).pk for n in (1, 4, 5)]
    response = client.get(MOVEMENTS, {"cursor": cursor, "format": "csv"}, **auth(ops))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == made
    assert [int(row["qty"]) for row in rows] == [1, 4, 5]
    assert rows[0]["sku"] == site["ours"].sku and rows[0]["merchant"] == site["merchant"].code
    assert first.pk not in [int(row["id"]) for row in rows]
    after = client.get(MOVEMENTS, {"cursor": response["X-Next-Cursor"]}, **auth(ops)).json()
    assert after["results"] == []


@pytest.mark.django_db(transaction=True)
def test_a_row_committed_after_a_later_id_is_not_skipped(client, site):
    """Transaction A takes the lower id and commits last: a page read in between must not pass A's id."""
    ops = UserFactory(role=roles.OPS_MANAGER)
    headers = auth(ops)
    _, cursor = drain(client, headers)
    holding, release = threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def slow_writer():
        from django.db import connections
        try:
            with transaction.atomic():
                ids["a"] = receive(site["ours"], site["bin"]).pk
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(30)
    ids["b"] = receive(ProductFactory(merchant=site["merchant"]), site["bin"]).pk  # another SKU: no shared lock
    assert ids["a"] < ids["b"]
    page = client.get(MOVEMENTS, {"cursor": cursor}, **headers).json()
    assert page["results"] == [] and page["next_cursor"] == cursor  # B waits behind A, still in flight
    release.set()
    thread.join(30)
    served, _ = drain(client, headers, cursor=cursor)
    assert served == [ids["a"], ids["b"]]


@pytest.mark.django_db(transaction=True)
def test_readers_never_skip_or_repeat_rows_while_writers_commit_concurrently(client, site):
    ops = UserFactory(role=roles.OPS_MANAGER)
    headers = auth(ops)
    _, start = drain(client, headers)
    writers, per_writer = 4, 15
    done = threading.Event()
    served: list[int] = []
    items = [ProductFactory(merchant=site["merchant"]) for _ in range(writers)]  # one SKU each: no shared lock

    def write(i: int):
        rng = random.Random(i)
        made = []
        for _ in range(per_writer):
            with transaction.atomic():
                made.append(receive(items[i], site["bin"]).pk)
                time.sleep(rng.uniform(0, 0.02))  # commit at a random moment after the id is taken
        return made

    def read():
        from django.db import connections
        from django.test import Client
        reader, cursor = Client(), start
        try:
            while not done.is_set():
                body = reader.get(MOVEMENTS, {"cursor": cursor, "limit": 3}, **headers).json()
                served.extend(row["id"] for row in body["results"])
                cursor = body["next_cursor"]
            served.extend(drain(reader, headers, cursor=cursor)[0])
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    results = run_in_threads(write, writers)
    done.set()
    reader.join(60)
    made = sorted(pk for result in results for pk in result)
    assert len(made) == writers * per_writer
    assert len(served) == len(set(served)), "a row was served twice"
    assert sorted(served) == made, "a row was skipped"


def shipped(warehouse_site=None):
    ps = warehouse_site or build_pick_site()
    carton_types()
    packer = UserFactory(role=roles.PACKER)
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    shipment = Shipment.objects.get(fulfillment_order__order=order)
    return ps, order, shipment


@pytest.mark.django_db(transaction=True)
def test_shipments_appear_once_they_ship_with_their_order_and_tracking(client):
    ops = UserFactory(role=roles.OPS_MANAGER)
    ps, order, shipment = shipped()
    assert drain(client, auth(ops), url=SHIPMENTS)[0] == []  # labelled, not collected yet
    manifest_close(warehouse=ps.warehouse, carrier=shipment.carrier, actor=ps.manager)
    body = client.get(SHIPMENTS, **auth(ops)).json()
    (row,) = body["results"]
    shipment.refresh_from_db()
    assert row["id"] == shipment.pk and row["order_number"] == order.order_number
    assert row["tracking_number"] == shipment.tracking_number and row["units"] == 2
    assert row["merchant"] == order.merchant.code and row["warehouse"] == ps.warehouse.code
    assert drain(client, auth(merchant_user(order.merchant)), url=SHIPMENTS)[0] == [shipment.pk]
    assert drain(client, auth(merchant_user(MerchantFactory())), url=SHIPMENTS)[0] == []
    response = client.get(SHIPMENTS, {"format": "csv"}, **auth(ops))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(int(r["id"]), r["tracking_number"], r["units"]) for r in rows] == [(shipment.pk, shipment.tracking_number, "2")]
    ship_movements = Movement.objects.filter(reference=f"shipment:{shipment.pk}")
    assert ship_movements.exists()
    assert set(ship_movements.values_list("pk", flat=True)) <= set(drain(client, auth(ops))[0])
