"""Pick-station scan confirms per second and their latency with 50 stations scanning at once.

Each station is a logged-in picker with a claimed session on the benchmark database, posting to the real
station endpoint (scan id, apply-once, parse, lock the session and the line, stock_pick bin to tote
through the ledger, render the panel), served by gunicorn.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlencode

from benchmarks.common import ROOT, bench_database_url, median, percentile, setup_django, write_section
from benchmarks.webhooks import _wait

STATIONS = 50
SCANS_PER_ROUND = 10
ROUNDS = 3
PORT = 8766
CSRF = "b" * 32


def run() -> None:
    url = bench_database_url()
    setup_django(url)
    from django.conf import settings

    stations, warehouse_code = _prepare()
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": settings.REDIS_URL, "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "wms_project.wsgi:application", "--bind",
         f"127.0.0.1:{PORT}", "--workers", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        _wait(PORT)
        path = f"/warehouse/picking/{warehouse_code}/scan/"
        for station in stations:  # at the bin, ready to scan items
            _post(http.client.HTTPConnection("127.0.0.1", PORT, timeout=30), path, station, f"BIN:{station['bin']}")
        rounds = [_round(path, stations) for _ in range(ROUNDS)]
    finally:
        server.terminate()
        server.wait(10)
    _check_ledger(stations)
    queries, savepoints = _queries_per_confirm(stations[0], path)
    table = "\n".join(f"| {n} | {r[0]:.0f} | {r[1]:.0f} | {r[2]:.0f} |" for n, r in enumerate(rounds, start=1))
    write_section("Pick scans", f"""
{STATIONS} pick stations scanning at once, each a logged-in picker with a claimed session, posting item scans
to the station endpoint (`/warehouse/picking/<code>/scan/`: client scan id applied once, scan parsed, session
and line locked, `stock_pick` moves the unit bin to tote with its two ledger rows and the reservation, the
panel is rendered). gunicorn 2 workers x 4 threads, real PostgreSQL, {SCANS_PER_ROUND} scans per station per
round, {ROUNDS} rounds; the 50 client threads share the same 2 cores as the server and the database.

| round | scan confirms / s | p50 ms | p95 ms |
|---|---|---|---|
{table}

Median: **{median([r[0] for r in rounds]):.0f} confirms/s, p95 {median([r[2] for r in rounds]):.0f} ms**. Every confirm is
checked afterwards against the ledger (units in totes = scans sent).

Reading it: every station fires its next scan the moment the last one is answered, so latency is mostly
queueing (50 requests in flight on 8 server threads and 2 cores: p50 ≈ 50 / throughput). A picker scans
about once every 3–5 s, so 50 real stations send 10–17 scans/s. Each confirm costs {queries} statements, {savepoints} of them
a savepoint, counted on one more confirm through the same view after the rounds (login session, user, roles,
warehouse; the scan id's row and answer; the session and line locks; `stock_pick`: level and bin-row locks, the
bin row, the tote's upsert, both ledger rows in one INSERT, the reservation's guarded UPDATE; the line and the
session), plus the transaction's BEGIN and COMMIT; before issue 17 it was 44 (12 savepoints).
""")


def _prepare():
    from django.test import Client

    from core import roles
    from core.roles import ensure_roles
    from tests.factories import UserFactory
    from tests.warehouse.picking import build_pick_site, product, put, released
    from warehouse.models import PickStrategy
    from warehouse.outbound.services.picking import pick_claim_next
    from warehouse.outbound.services.waves import wave_plan

    ensure_roles()
    ps = build_pick_site(shelves=STATIONS, totes=STATIONS)
    items = []
    for n in range(STATIONS):
        item = product(ps)
        put(item, ps.shelves[n], 1000)
        items.append(item)
        released(ps, [(item, SCANS_PER_ROUND * ROUNDS + 2)])  # two more for the query count afterwards
    wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=PickStrategy.SINGLE, max_orders=STATIONS)
    stations = []
    for _ in range(STATIONS):
        picker = UserFactory(role=roles.PICKER)
        session = pick_claim_next(warehouse=ps.warehouse, actor=picker)
        line = session.lines.select_related("bin", "product").get()
        client = Client()
        client.force_login(picker)
        stations.append({"cookie": client.cookies["sessionid"].value, "bin": line.bin.code, "sku": line.product.sku,
                         "session": session.pk})
    return stations, ps.warehouse.code


def _post(conn, path: str, station: dict, code: str) -> None:
    body = urlencode({"code": code, "scan_id": str(uuid.uuid4())})
    conn.request("POST", path, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true", "X-CSRFToken": CSRF,
        "Cookie": f"sessionid={station['cookie']}; csrftoken={CSRF}", "Host": "localhost",
    })
    response = conn.getresponse()
    text = response.read().decode()
    if response.status != 200 or 'data-scan-result="error"' in text:
        raise RuntimeError(f"scan {code!r} answered {response.status}: {text[:300]}")


def _round(path: str, stations: list[dict]) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(stations) + 1)
    failures: list[Exception] = []

    def station_loop(station):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        start.wait()
        try:
            for _ in range(SCANS_PER_ROUND):
                began = time.perf_counter()
                _post(conn, path, station, station["sku"])
                with lock:
                    latencies.append((time.perf_counter() - began) * 1000)
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=station_loop, args=(s,)) for s in stations]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise failures[0]
    return len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 95)


def _queries_per_confirm(station: dict, path: str) -> tuple[int, int]:
    """One more item scan of the first station through the same view, in this process: its statements."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.cookies["sessionid"] = station["cookie"]

    def confirm():
        response = client.post(path, {"code": station["sku"], "scan_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true")
        if response.status_code != 200 or b'data-scan-result="error"' in response.content:
            raise RuntimeError(f"query-count scan answered {response.status_code}: {response.content[:300]!r}")

    confirm()  # warm: what the first request of a process loads once
    with CaptureQueriesContext(connection) as seen:
        confirm()
    return len(seen.captured_queries), sum(q["sql"].startswith("SAVEPOINT") for q in seen.captured_queries)


def _check_ledger(stations: list[dict]) -> None:
    from django.db.models import Sum

    from inventory.models import BinStock

    in_totes = BinStock.objects.filter(bin__kind="tote").aggregate(n=Sum("qty"))["n"]
    expected = len(stations) * SCANS_PER_ROUND * ROUNDS
    if in_totes != expected:
        raise RuntimeError(f"{in_totes} units in totes after {expected} confirmed scans")
