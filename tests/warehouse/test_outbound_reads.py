"""Outbound reads answer for a whole page in a fixed number of queries: pick sessions with their current line
and progress, packs with their lines, carton suggestion and labels."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from core import roles
from layout.models import Bin
from shipping.models import Shipment
from tests.factories import BinFactory, UserFactory
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.models import Pack, PickLine, PickSession
from warehouse.outbound.api.packing_serializers import PackOutput
from warehouse.outbound.api.picking_serializers import PickSessionOutput
from warehouse.outbound.selectors import (
    carton_suggest,
    current_line,
    pack_lines,
    pack_reads_for,
    packs_for_output,
    pick_sessions_for_output,
)
from warehouse.outbound.services.packing import pack_scan, pack_start
from warehouse.outbound.services.picking import pick_claim_next, pick_scan
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db


def _queries(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def test_pick_sessions_show_current_line_and_progress_for_a_page_in_a_fixed_number_of_queries(
        django_assert_num_queries):
    ps = build_pick_site(totes=4)
    for n in range(10):
        item = product(ps)
        put(item, ps.shelves[n % len(ps.shelves)], 5)
        released(ps, [(item, 2 + n % 2)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager, orders_per_session=1)
    claimed = pick_claim_next(warehouse=ps.warehouse, actor=ps.picker)
    line = current_line(claimed)
    pick_scan(session=claimed, raw=f"BIN:{line.bin.code}", actor=ps.picker)
    pick_scan(session=claimed, raw=line.product.sku, actor=ps.picker)

    def page(size):
        return PickSessionOutput(list(pick_sessions_for_output().order_by("id")[:size]), many=True).data

    two = _queries(lambda: page(2))
    with django_assert_num_queries(two):
        rows = page(10)

    assert len(rows) == 10 == PickSession.objects.count()
    by_id = {row["id"]: row for row in rows}
    for session in PickSession.objects.all():
        expected = current_line(session)
        assert by_id[session.pk]["current_line"]["id"] == expected.pk
        lines = session.lines.exclude(status=PickLine.Status.CANCELLED)
        assert by_id[session.pk]["progress"] == {
            "lines": lines.count(), "lines_done": 0, "units": sum(line.qty for line in lines),
            "units_picked": sum(line.picked_qty for line in lines), "units_failed": 0,
        }
    assert by_id[claimed.pk]["progress"]["units_picked"] == 1
    assert by_id[claimed.pk]["current_line"]["remaining"] == line.qty - 1


def test_packs_show_lines_carton_and_labels_for_a_page_in_a_fixed_number_of_queries(django_assert_num_queries):
    ps = build_pick_site(totes=12)
    carton_types()
    pack_bin = BinFactory(zone=ps.pack.zone, code="PACK-9", kind=Bin.Kind.PACK_STATION)
    packs = []
    for n in range(10):
        shirt, mug = product(ps), product(ps)
        order, tote = picked(ps, [(shirt, 1 + n % 3), (mug, 1)])
        packer = UserFactory(role=roles.PACKER)
        pack = pack_start(warehouse=ps.warehouse, pack_bin=pack_bin, raw=f"TOTE:{tote.code}", actor=packer)
        pack_scan(pack=pack, raw=mug.sku, actor=packer)
        if n in (0, 7):
            pack_scan(pack=pack, raw=f"x{1 + n % 3}", actor=packer)
            pack_scan(pack=pack, raw=shirt.sku, actor=packer)
            assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
        packs.append(pack)

    request = APIRequestFactory().get("/api/v1/packs/")

    def page(size):
        rows = list(packs_for_output().order_by("id")[:size])
        return PackOutput(rows, many=True, context={"request": request, "pack_reads": pack_reads_for(rows)}).data

    two = _queries(lambda: page(2))
    with django_assert_num_queries(two):
        rows = page(10)

    assert [row["id"] for row in rows] == [pack.pk for pack in packs]
    for row, pack in zip(rows, Pack.objects.order_by("id"), strict=True):
        assert [(line["order_line_id"], line["expected"], line["packed"], line["missing"]) for line in row["lines"]] == [
            (line.order_line_id, line.expected, line.packed, line.missing) for line in pack_lines(pack)]
        if pack.status == Pack.Status.OPEN:
            assert row["suggested_carton_type"] == carton_suggest(pack).code and not row["shipments"]
        else:
            assert row["suggested_carton_type"] is None
            assert [s["id"] for s in row["shipments"]] == list(
                Shipment.objects.filter(carton__pack=pack).order_by("carton__number", "id").values_list("id", flat=True))
    assert sum(1 for row in rows if row["shipments"]) == 2
    assert all(row["lines"] and row["lines"][-1]["packed"] == 1 for row in rows)


def test_the_wave_list_reads_sessions_and_progress_for_a_page_in_a_fixed_number_of_queries(
        api_client, roles_ready, django_assert_num_queries):
    ps = build_pick_site(totes=2)
    api_client.force_authenticate(ps.manager)

    def waves(count):
        for _ in range(count):
            item = product(ps)
            put(item, ps.shelves[0], 4)
            released(ps, [(item, 2)])
            wave_plan(warehouse=ps.warehouse, actor=ps.manager, max_orders=1)

    waves(2)
    api_client.get("/api/v1/waves/")  # warm caches
    with CaptureQueriesContext(connection) as two:
        api_client.get("/api/v1/waves/")
    waves(8)

    with django_assert_num_queries(len(two.captured_queries)):
        response = api_client.get("/api/v1/waves/")

    rows = response.json()["results"]
    assert response.status_code == 200 and len(rows) == 10
    assert all([(s["orders"], s["lines"], s["lines_done"]) for s in row["sessions"]] == [(1, 1, 0)] for row in rows)
