"""Dashboard response times on a large history: ~1 million order lines, 5 million ledger rows.

The history is written with INSERT ... SELECT over generate_series into its own database (`wms_bench_dashboards`),
then every dashboard page, the drill-down list and a CSV export are requested through Django's test client as a
logged-in ops manager; p50 and p95 per page go to BENCHMARKS.md. `BENCH_DASHBOARDS_REUSE=1` keeps a loaded
database (migrating it first) so a new index can be measured without loading again.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from benchmarks.common import ROOT, bench_database_url, median, percentile, setup_django, write_section

DB_NAME = "wms_bench_dashboards"
DAYS = 60
WAREHOUSES = 4
MERCHANTS = 20
ZONES_PER_WAREHOUSE = 5
BINS_PER_WAREHOUSE = 5_000
PRODUCTS = 20_000
SCALE = float(os.environ.get("BENCH_DASHBOARDS_SCALE", "1"))  # below 1 for a quick trial of the loader
ORDERS = int(250_000 * SCALE)
LINES_PER_ORDER = 4  # 1,000,000 order lines
OPEN_ORDERS = int(5_000 * SCALE)  # the most recent ones are still in the warehouse
MOVEMENTS = int(5_000_000 * SCALE)
PICKERS = 40
PACKERS = 20
REQUESTS = 20
TARGET_P95_MS = 500


def _literal(field, connection):
    value = field.get_db_prep_save(field.get_default(), connection)
    return value


def insert_series(model, count: int, exprs: dict[str, str]) -> None:
    """INSERT INTO <model's table> SELECT <exprs> FROM generate_series(1, count) AS g(i): columns not named take
    the field's default (Django keeps defaults in Python, not in the table), now() for auto timestamps, or NULL."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        name = field.attname
        if name in exprs:
            values.append("(" + exprs[name].replace("%", "%%") + ")")
        elif field.primary_key:
            values.append("g.i")
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        elif field.has_default() or (not field.null and field.empty_strings_allowed):
            values.append(f"%s::{field.db_type(connection)}")
            params.append(_literal(field, connection))
        elif field.null:
            values.append("NULL")
        else:
            raise ValueError(f"{model.__name__}.{name} needs a value")
        columns.append(f'"{field.column}"')
    table = model._meta.db_table
    unknown = set(exprs) - {f.attname for f in model._meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__}: no fields {sorted(unknown)}")
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(values)} '
                       f"FROM generate_series(1, {count}) AS g(i)", params)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
    print(f"  {model.__name__}: {count:,} rows in {time.perf_counter() - began:.1f} s", flush=True)


def _array(ids) -> str:
    return "(ARRAY[" + ",".join(str(i) for i in ids) + "]::bigint[])"


def load() -> dict:
    from decimal import Decimal

    from django.db import connection

    from core import roles
    from inventory.models import BinStock, Merchant, Movement, Product, Reservation
    from layout.models import Bin, Warehouse, Zone
    from orders.models import (
        Channel,
        FulfillmentLine,
        FulfillmentOrder,
        InboxDelivery,
        Order,
        OrderLine,
        OutboxMessage,
    )
    from warehouse.models import (
        CountTask,
        Discrepancy,
        Pack,
        PickLine,
        PickSession,
        PickSlot,
        PurchaseOrder,
        PurchaseOrderLine,
        Receipt,
        StationScan,
        Wave,
    )

    roles.ensure_roles()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    manager = User.objects.create_user("bench-manager", password="bench-pass")
    manager.groups.add(Group.objects.get(name=roles.OPS_MANAGER))
    pickers = [User.objects.create_user(f"picker{n}") for n in range(PICKERS)]
    packers = [User.objects.create_user(f"packer{n}") for n in range(PACKERS)]
    warehouses = [Warehouse.objects.create(code=f"wh{n}", name=f"Facility {n}", latitude=Decimal("40.7"),
                                           longitude=Decimal("-74.1"), square_feet=200_000) for n in range(WAREHOUSES)]
    merchants = [Merchant.objects.create(code=f"m{n}", name=f"Merchant {n}") for n in range(MERCHANTS)]
    channels = [Channel.objects.create(merchant=m, kind="api", name=f"API {m.code}") for m in merchants]
    zones = [Zone.objects.create(warehouse=w, code=f"Z{z}", name=f"Zone {z}", kind="storage")
             for w in warehouses for z in range(ZONES_PER_WAREHOUSE)]
    wh, mer, chan, zone = (_array(o.pk for o in objs) for objs in (warehouses, merchants, channels, zones))
    pick_ids, pack_ids = _array(u.pk for u in pickers), _array(u.pk for u in packers)
    bins = WAREHOUSES * BINS_PER_WAREHOUSE
    lines = ORDERS * LINES_PER_ORDER
    shipped_orders = ORDERS - OPEN_ORDERS
    # The k-th (0-based) facility's bins are ids k*BINS+1 .. (k+1)*BINS; order i ships from facility (i-1) % 4.
    fo_wh_index = f"((g.i - 1) % {WAREHOUSES})"
    line_fo = f"((g.i - 1) / {LINES_PER_ORDER} + 1)"
    line_wh_index = f"(({line_fo} - 1) % {WAREHOUSES})"
    placed = f"(now() - interval '{DAYS} days' + make_interval(secs => g.i * {DAYS * 86400 / ORDERS}))"
    print(f"Loading {ORDERS:,} orders, {lines:,} order lines, {MOVEMENTS:,} ledger rows into {DB_NAME}", flush=True)

    insert_series(Bin, bins, {
        "warehouse_id": f"{wh}[(g.i - 1) / {BINS_PER_WAREHOUSE} + 1]",
        "zone_id": f"{zone}[((g.i - 1) / {BINS_PER_WAREHOUSE}) * {ZONES_PER_WAREHOUSE} + (g.i - 1) % {ZONES_PER_WAREHOUSE} + 1]",
        "code": "'B-' || g.i", "capacity": "200", "pick_sequence": "g.i",
    })
    insert_series(Product, PRODUCTS, {
        "merchant_id": f"{mer}[(g.i - 1) % {MERCHANTS} + 1]", "sku": "'SKU-' || g.i", "name": "'Product ' || g.i",
        "length_mm": "100 + g.i % 200", "width_mm": "100 + g.i % 150", "height_mm": "50 + g.i % 100",
    })
    insert_series(BinStock, bins * 5, {  # five products per bin
        "product_id": f"((g.i - 1) * 7) % {PRODUCTS} + 1", "bin_id": "(g.i - 1) / 5 + 1",
        "warehouse_id": f"{wh}[((g.i - 1) / 5) / {BINS_PER_WAREHOUSE} + 1]", "qty": "1 + g.i % 25",
    })
    order_status = f"CASE WHEN g.i > {shipped_orders} THEN 'in_progress' ELSE 'shipped' END"
    insert_series(Order, ORDERS, {
        "merchant_id": f"{mer}[(g.i - 1) % {MERCHANTS} + 1]", "channel_id": f"{chan}[(g.i - 1) % {MERCHANTS} + 1]",
        "external_id": "'B' || g.i", "order_number": "'#B' || g.i", "status": order_status,
        "placed_at": placed, "ship_by": f"{placed} + interval '24 hours'",
    })
    insert_series(OrderLine, lines, {
        "order_id": line_fo, "line_no": f"(g.i - 1) % {LINES_PER_ORDER} + 1",
        "sku": f"'SKU-' || (((g.i - 1) * 13) % {PRODUCTS} + 1)", "product_id": f"((g.i - 1) * 13) % {PRODUCTS} + 1",
        "quantity": "1",
    })
    fo_status = (f"CASE WHEN g.i <= {shipped_orders} THEN 'shipped' ELSE "
                 "(ARRAY['allocated','released','in_wave','picking','packed'])[g.i % 5 + 1] END")
    # Shipped 2 to 40 hours after being placed; one in twenty after its 24-hour ship-by.
    shipped_at = f"LEAST(now(), {placed} + make_interval(hours => 2 + (g.i * 7) % 20 + CASE WHEN g.i % 20 = 0 THEN 20 ELSE 0 END))"
    insert_series(FulfillmentOrder, ORDERS, {
        "order_id": "g.i", "warehouse_id": f"{wh}[{fo_wh_index} + 1]", "status": fo_status,
        "ship_by": f"{placed} + interval '24 hours'", "released_at": placed,
        "shipped_at": f"CASE WHEN g.i <= {shipped_orders} THEN {shipped_at} END",
    })
    insert_series(FulfillmentLine, lines, {
        "fulfillment_order_id": line_fo, "order_line_id": "g.i", "qty": "1",
        "shipped_qty": f"CASE WHEN {line_fo} <= {shipped_orders} THEN 1 ELSE 0 END",
    })
    insert_series(Reservation, lines, {
        "product_id": f"((g.i - 1) * 13) % {PRODUCTS} + 1", "warehouse_id": f"{wh}[{line_wh_index} + 1]",
        "order_line_id": "g.i", "qty": "1", "picked_qty": "1",
        "shipped_qty": f"CASE WHEN {line_fo} <= {shipped_orders} THEN 1 ELSE 0 END",
    })
    waves = ORDERS // 100
    insert_series(Wave, waves, {"warehouse_id": f"{wh}[(g.i - 1) % {WAREHOUSES} + 1]", "status": "'done'"})
    claimed = f"({placed} + interval '1 hour')"
    done = f"g.i <= {shipped_orders}"
    insert_series(PickSession, ORDERS, {
        "wave_id": "(g.i - 1) / 100 + 1", "warehouse_id": f"{wh}[{fo_wh_index} + 1]", "strategy": "'single'",
        "status": f"CASE WHEN {done} THEN 'done' ELSE 'open' END",
        "picker_id": f"CASE WHEN {done} THEN {pick_ids}[(g.i - 1) % {PICKERS} + 1] END",
        "claimed_at": f"CASE WHEN {done} THEN LEAST(now(), {claimed}) END",
        "completed_at": f"CASE WHEN {done} THEN LEAST(now(), {claimed} + interval '12 minutes') END",
        "ship_by": f"{placed} + interval '24 hours'",
    })
    insert_series(PickSlot, ORDERS, {"session_id": "g.i", "fulfillment_order_id": "g.i", "slot": "1"})
    failed = "g.i % 400 = 0"
    insert_series(PickLine, lines, {
        "session_id": line_fo, "slot_id": line_fo, "reservation_id": "g.i", "order_line_id": "g.i",
        "product_id": f"((g.i - 1) * 13) % {PRODUCTS} + 1",
        "bin_id": f"{line_wh_index} * {BINS_PER_WAREHOUSE} + g.i % {BINS_PER_WAREHOUSE} + 1", "qty": "1",
        "picked_qty": f"CASE WHEN {failed} THEN 0 ELSE 1 END", "failed_qty": f"CASE WHEN {failed} THEN 1 ELSE 0 END",
        "status": f"CASE WHEN {line_fo} > {shipped_orders} THEN 'open' WHEN {failed} THEN 'failed' ELSE 'picked' END",
        "sequence": f"(g.i - 1) % {LINES_PER_ORDER}",
    })
    insert_series(Pack, shipped_orders, {
        "fulfillment_order_id": "g.i", "warehouse_id": f"{wh}[{fo_wh_index} + 1]",
        "pack_bin_id": f"{fo_wh_index} * {BINS_PER_WAREHOUSE} + 1", "status": "'labelled'",
        "packer_id": f"{pack_ids}[(g.i - 1) % {PACKERS} + 1]", "started_at": f"LEAST(now(), {claimed} + interval '20 minutes')",
        "packed_at": f"LEAST(now(), {claimed} + interval '30 minutes')",
    })
    scans = lines
    insert_series(StationScan, scans, {
        "scan_id": "md5(g.i::text)::uuid", "station": "'pack'", "user_id": f"{pack_ids}[(g.i - 1) % {PACKERS} + 1]",
        "raw": "'0400638' || g.i", "ok": "g.i % 700 <> 0",
        "message": "CASE WHEN g.i % 700 = 0 THEN 'wrong item: not in this order' ELSE 'packed' END",
        "created_at": f"now() - interval '{DAYS} days' + make_interval(secs => g.i * {DAYS * 86400 / scans})",
    })
    insert_series(Movement, MOVEMENTS, {
        "product_id": f"(g.i - 1) % {PRODUCTS} + 1", "warehouse_id": f"{wh}[(g.i - 1) % {WAREHOUSES} + 1]",
        "bin_id": f"((g.i - 1) % {WAREHOUSES}) * {BINS_PER_WAREHOUSE} + g.i % {BINS_PER_WAREHOUSE} + 1",
        "qty": "CASE WHEN g.i % 3 = 0 THEN 5 ELSE -1 END",
        "kind": "(ARRAY['pick','receive','putaway','move','ship'])[g.i % 5 + 1]", "condition": "'sellable'",
        "actor_label": "'bench'", "operation": "md5(g.i::text)::uuid", "bin_qty_after": "10",
        "created_at": f"now() - interval '{DAYS} days' + make_interval(secs => g.i * {DAYS * 86400 / MOVEMENTS})",
    })
    pos = 20_000
    expected = f"(current_date - {DAYS} + (g.i * {DAYS + 14}) / {pos})"
    insert_series(PurchaseOrder, pos, {
        "merchant_id": f"{mer}[(g.i - 1) % {MERCHANTS} + 1]", "warehouse_id": f"{wh}[(g.i - 1) % {WAREHOUSES} + 1]",
        "number": "'PO-' || g.i", "expected_date": expected,
        "status": f"CASE WHEN {expected} >= current_date THEN 'open' ELSE 'received' END",
    })
    insert_series(PurchaseOrderLine, pos * 3, {
        "purchase_order_id": "(g.i - 1) / 3 + 1", "product_id": f"g.i % {PRODUCTS} + 1", "expected_qty": "100",
        "received_qty": "0",
    })
    stocked = f"now() - interval '{DAYS} days' + make_interval(secs => g.i * {DAYS * 86400 / pos})"
    insert_series(Receipt, pos, {
        "purchase_order_id": "g.i", "warehouse_id": f"{wh}[(g.i - 1) % {WAREHOUSES} + 1]",
        "dock_bin_id": f"((g.i - 1) % {WAREHOUSES}) * {BINS_PER_WAREHOUSE} + 2", "status": "'stocked'",
        "stocked_at": stocked, "dock_to_stock_seconds": "1800 + (g.i * 97) % 100000",
    })
    insert_series(Discrepancy, 5_000, {
        "warehouse_id": f"{wh}[(g.i - 1) % {WAREHOUSES} + 1]", "product_id": f"g.i % {PRODUCTS} + 1",
        "bin_id": f"((g.i - 1) % {WAREHOUSES}) * {BINS_PER_WAREHOUSE} + g.i % {BINS_PER_WAREHOUSE} + 1",
        "kind": "'short'", "expected_qty": "5", "found_qty": "2",
        "status": "CASE WHEN g.i > 4000 THEN 'open' ELSE 'resolved' END",
        "created_at": f"now() - make_interval(secs => (5000 - g.i) * {DAYS * 86400 / 5000})",
    })
    insert_series(CountTask, 20_000, {
        "warehouse_id": f"{wh}[(g.i - 1) % {WAREHOUSES} + 1]", "product_id": f"g.i % {PRODUCTS} + 1",
        "bin_id": f"((g.i - 1) % {WAREHOUSES}) * {BINS_PER_WAREHOUSE} + g.i % {BINS_PER_WAREHOUSE} + 1",
        "status": "'done'", "system_qty": "10", "counted_qty": "CASE WHEN g.i % 50 = 0 THEN 9 ELSE 10 END",
        "counted_at": f"now() - make_interval(secs => g.i * {DAYS * 86400 / 20000})",
    })
    insert_series(InboxDelivery, 100_000, {
        "channel_id": f"{chan}[(g.i - 1) % {MERCHANTS} + 1]", "dedup_key": "'bench-' || g.i", "topic": "'orders/create'",
        "body": "'{}'", "status": "CASE WHEN g.i % 1000 = 0 THEN 'parked' ELSE 'processed' END",
    })
    insert_series(OutboxMessage, shipped_orders, {
        "channel_id": f"{chan}[(g.i - 1) % {MERCHANTS} + 1]", "order_id": "g.i", "sequence": "1", "kind": "'shipped'",
        "status": "CASE WHEN g.i % 5000 = 0 THEN 'failed' ELSE 'sent' END",
    })
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"warehouse": warehouses[0].code, "merchant": merchants[0].code}


def measure(scope: dict) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if not client.login(username="bench-manager", password="bench-pass"):
        raise SystemExit("bench manager cannot log in")
    wh, merchant = scope["warehouse"], scope["merchant"]
    pages = [
        ("SLA, all facilities, 7 days", "/ops/sla/?window=7d", {}),
        ("SLA, one facility, 30 days", f"/ops/sla/?warehouse={wh}&window=30d", {}),
        ("SLA, one facility and merchant, today", f"/ops/sla/?warehouse={wh}&merchant={merchant}&window=today", {}),
        ("SLA panel refresh (htmx), one facility, 7 days", f"/ops/sla/?warehouse={wh}&window=7d", {"HTTP_HX_REQUEST": "true"}),
        ("Capacity, all facilities", "/ops/capacity/?window=7d", {}),
        ("Capacity, one facility", f"/ops/capacity/?warehouse={wh}&window=7d", {}),
        ("Accuracy and throughput, all facilities, 7 days", "/ops/accuracy/?window=7d", {}),
        ("Accuracy and throughput, one facility, 30 days", f"/ops/accuracy/?warehouse={wh}&window=30d", {}),
        ("At-risk list, one facility", f"/ops/fulfillments/?kpi=at_risk&warehouse={wh}&window=7d", {}),
        ("Shipped-late list, all facilities, 30 days", "/ops/fulfillments/?kpi=late&window=30d", {}),
        ("CSV: pickers, one facility, 30 days", f"/ops/export/pickers.csv?warehouse={wh}&window=30d", {}),
    ]
    results = []
    for label, url, headers in pages:
        for _ in range(2):  # warm the connection and caches
            client.get(url, **headers)
        times = []
        for _ in range(REQUESTS):
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, **headers)
                if response.streaming:
                    b"".join(response.streaming_content)
            times.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        results.append((label, median(times), percentile(times, 95), len(queries)))
        print(f"  {label}: p50 {median(times):.0f} ms, p95 {percentile(times, 95):.0f} ms, {len(queries)} queries",
              flush=True)
    return results


def run() -> None:
    reuse = os.environ.get("BENCH_DASHBOARDS_REUSE") == "1"
    base = os.environ.get("DATABASE_URL", "")
    if reuse and base:
        url = re.sub(r"/[^/?]+(\?|$)", rf"/{DB_NAME}\1", base, count=1)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "wms_project.settings"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    else:
        url = bench_database_url(DB_NAME)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    setup_django(url)
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    from django.db import connection

    began = time.perf_counter()
    if reuse:
        scope = {"warehouse": "wh0", "merchant": "m0"}
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        scope = load()
    loaded = time.perf_counter() - began
    from ops.services.rollups import refresh_rollups

    backfill = refresh_rollups(days=DAYS + 1)  # every closed day of the history
    routine = refresh_rollups()  # what beat runs every 15 minutes: the last two closed days again
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ops_rollupday, ops_shippingday, ops_pickingday, ops_pickerday, ops_packmismatchday")
    print(f"  rollups: {backfill['days']} days in {backfill['seconds']:.1f} s ({backfill['rows']}); "
          f"routine refresh of {routine['days']} days in {routine['seconds']:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_orderline")
        order_lines = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM inventory_movement")
        ledger = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    results = measure(scope)
    rows = "\n".join(f"| {label} | {p50:.0f} | {p95:.0f} | {queries} | {'yes' if p95 < TARGET_P95_MS else '**no**'} |"
                     for label, p50, p95, queries in results)
    write_section("Dashboards", f"""
`python -m benchmarks dashboards`: a synthetic history in its own database ({size}): {WAREHOUSES} facilities,
{MERCHANTS} merchants, {PRODUCTS:,} products, {WAREHOUSES * BINS_PER_WAREHOUSE:,} bins holding
{WAREHOUSES * BINS_PER_WAREHOUSE * 5:,} bin-stock rows, {ORDERS:,} orders over {DAYS} days with {order_lines:,} order lines
(as many fulfillment lines, reservations and pick lines; {OPEN_ORDERS:,} orders still open), {ledger:,} ledger rows,
{ORDERS - OPEN_ORDERS:,} packs and {order_lines:,} pack-station scans, 20,000 receipts, 20,000 counts, 5,000 discrepancies,
100,000 inbox deliveries and {ORDERS - OPEN_ORDERS:,} outbox messages, written with INSERT ... SELECT generate_series
{'(reused)' if reuse else f'in {loaded:.0f} s'}. Each page is requested {REQUESTS} times (after two warm-up requests) by a
logged-in ops manager through Django's test client, in process: time includes the queries, the SVG charts and the
template, not the network. Target: p95 under {TARGET_P95_MS} ms.

The dashboards read closed days from the daily rollups (`ops.services.rollups.refresh_rollups`) and only the
open day and the part of the window's first day live. Rolling up the whole history ({backfill['days']} days:
{backfill['rows']['shipping']:,} shipping, {backfill['rows']['picking']:,} picking, {backfill['rows']['pickers']:,}
picker and {backfill['rows']['mismatches']:,} pack-mismatch rows) took {backfill['seconds']:.1f} s; the routine run
beat makes every 15 minutes (the last {routine['days']} closed days again) took {routine['seconds']:.1f} s.

| page | p50 ms | p95 ms | queries | p95 under {TARGET_P95_MS} ms |
|---|---|---|---|---|
{rows}
""")
