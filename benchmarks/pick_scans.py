"""Pick-station scan confirms under wrk, next to the one-INSERT view served by the same gunicorn in the same run.

Each of 50 wrk connections is one station (its own thread, a logged-in picker with a claimed session) posting
item scans to the real station endpoint (scan id, apply-once, parse, lock the session and the line,
stock_pick bin to tote through the ledger, render the panel). Back to back for the ceiling ratio, then paced
as 50 stations scanning every 2 s for the latency a shift sees.
"""

from __future__ import annotations

import http.client
import uuid
from urllib.parse import quote, urlencode, urlsplit

from benchmarks.common import bench_database_url, setup_django, write_section
from benchmarks.intake import _lua_string, baseline_script
from benchmarks.load import P95_LUA, med, rounds_text, served, server_shape, wrk

STATIONS = 50
SECONDS = 10
ROUNDS = 3
LINE_UNITS = 2000  # more than a station can confirm in every round together
PACE_MS = 2000  # a scan every 2 s per station: 25 scans/s offered by 50 stations
CSRF = "b" * 32
# The station answers a refused scan with 200 and an error panel: such an answer is a failure here too.
SCAN_REFUSED_LUA = """
local failure_shown = false
function response(status, headers, body)
  if not failure_shown and (status >= 400 or string.find(body or "", 'data-scan-result="error"', 1, true)) then
    failure_shown = true
    io.write("FAILED " .. status .. " " .. string.gsub(string.sub(body or "", 1, 600), "\\n", " ") .. "\\n")
  end
end
"""


def station_script(path: str, stations: list[dict]) -> str:
    table = ",\n".join(
        f'  {{cookie = {_lua_string(s["cookie"])}, sku = {_lua_string(quote(s["sku"]))}}}' for s in stations
    )
    return f"""
local stations = {{
{table}
}}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local me, run
local counter = 0
function init(args)
  me = stations[tid]
  math.randomseed(tid * 7919)  -- each station its own pace (every wrk thread starts with the same seed)
  run = os.getenv("BENCH_RUN")  -- 12 hex digits, fresh per run: the last group of every scan's UUID
  wrk.method = "POST"
  wrk.path = "{path}"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["HX-Request"] = "true"
  wrk.headers["X-CSRFToken"] = "{CSRF}"
  wrk.headers["Cookie"] = "sessionid=" .. me.cookie .. "; csrftoken={CSRF}"
end
function request()
  counter = counter + 1
  local scan_id = string.format("%08x-%04x-4%03x-8000-%s", tid, math.floor(counter / 4096) % 65536, counter % 4096, run)
  return wrk.format(nil, nil, nil, "code=" .. me.sku .. "&scan_id=" .. scan_id)
end
"""


def run() -> None:
    url = bench_database_url()
    setup_django(url)
    import psycopg
    from django.conf import settings

    from benchmarks.urls import CREATE_INSERT_TABLE

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CREATE_INSERT_TABLE)
    stations, warehouse_code = _prepare()
    path = f"/warehouse/picking/{warehouse_code}/scan/"
    scans = station_script(path, stations)
    insert = baseline_script("/bench/insert", b'{"scan": "ITEM"}')
    # Pickers do not scan in step: each station waits 1-3 s (2 s on average) after an answer, so the 50 stations
    # drift apart instead of firing together every cycle.
    paced = scans + f"\nfunction delay()\n  return math.random({PACE_MS // 2}, {PACE_MS * 3 // 2})\nend\n"
    confirm_rounds, insert_rounds, paced_rounds = [], [], []

    def load(script: str, seconds: int = SECONDS):
        return wrk(base, script + P95_LUA + SCAN_REFUSED_LUA, seconds=seconds, connections=STATIONS, threads=STATIONS,
                   env={"BENCH_RUN": uuid.uuid4().hex[:12]})

    with served(url, settings.REDIS_URL) as base:
        for station in stations:  # at the bin, ready to scan items
            _scan_bin(base, path, station)
        warm = [load(scans, seconds=2), load(insert, seconds=2)]  # imports, connections
        for _ in range(ROUNDS):  # interleaved: the machine's noise hits both alike
            confirm_rounds.append(load(scans))
            insert_rounds.append(load(insert))
        for _ in range(ROUNDS):
            paced_rounds.append(load(paced))
    rounds = {"warm-up": warm, "confirm": confirm_rounds, "insert": insert_rounds, "paced": paced_rounds}
    if any(r.errors or r.failure for results in rounds.values() for r in results):
        each = {name: [r.failure for r in results if r.errors or r.failure] for name, results in rounds.items()}
        raise RuntimeError(f"requests failed or scans were refused during the pick-scan benchmark: {each}")
    sent = sum(r.requests for r in (warm[0], *confirm_rounds, *paced_rounds))
    _check_ledger(sent)
    queries, savepoints = _queries_per_confirm(stations[0], path)
    rate, ceiling = med(confirm_rounds, "rate"), med(insert_rounds, "rate")
    write_section("Pick scans", f"""
Command: `make bench BENCH_ARGS=pick_scans`. {server_shape()} as `make run` serves it (benchmark settings:
the product plus the baseline routes), real PostgreSQL and Redis. wrk with {STATIONS} threads x 1 connection:
each connection is one station, a logged-in picker with a claimed session at its bin, posting item scans to
`/warehouse/picking/<code>/scan/` (client scan id applied once, scan parsed, session and line locked,
`stock_pick` moves the unit bin to tote with its ledger rows and the reservation, the panel rendered).
{ROUNDS} interleaved rounds of {SECONDS} s back to back against the one-INSERT view over the same {STATIONS}
connections, then {ROUNDS} rounds paced at one scan every {PACE_MS // 1000} s per station on average (each waits
1-3 s, at random, after its answer).

| path | median req/s | rounds | p50 ms | p95 ms | p99 ms |
|---|---|---|---|---|---|
| scan confirm, back to back | {rate:.0f} | {rounds_text(confirm_rounds)} | {med(confirm_rounds, 'p50'):.1f} | {med(confirm_rounds, 'p95'):.1f} | {med(confirm_rounds, 'p99'):.1f} |
| one-INSERT view (ceiling) | {ceiling:.0f} | {rounds_text(insert_rounds)} | {med(insert_rounds, 'p50'):.1f} | {med(insert_rounds, 'p95'):.1f} | {med(insert_rounds, 'p99'):.1f} |
| scan confirm, {STATIONS} stations every {PACE_MS // 1000} s | {med(paced_rounds, 'rate'):.0f} | {rounds_text(paced_rounds)} | {med(paced_rounds, 'p50'):.1f} | {med(paced_rounds, 'p95'):.1f} | {med(paced_rounds, 'p99'):.1f} |

**Ratio {rate / ceiling:.2f}** of the one-INSERT ceiling (target >= 0.3); **p95 {med(paced_rounds, 'p95'):.0f} ms**
at {STATIONS} stations scanning every {PACE_MS // 1000} s (target < 50 ms). Every confirm is checked afterwards
against the ledger: units in totes = item scans the stations accepted (at least the {sent} wrk saw answered). Each confirm costs {queries} statements, {savepoints}
of them a savepoint (one more confirm through the same view after the rounds; 44 with 12 savepoints before
issue 17).
""")


def _scan_bin(base: str, path: str, station: dict) -> None:
    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    _post(conn, path, station, f"BIN:{station['bin']}")


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
        items.append(item)
        put(item, ps.shelves[n], LINE_UNITS)
        released(ps, [(item, LINE_UNITS)])
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


def _check_ledger(answered: int) -> None:
    """Units in totes = item scans the stations had accepted (each scan id is recorded once, with its
    result). wrk counts only the answers that arrived before its clock stopped, so the stations' own record,
    not wrk's count, is what the ledger must match; wrk's count can only be lower."""
    from django.db.models import Sum

    from inventory.models import BinStock
    from warehouse.models import StationScan

    in_totes = BinStock.objects.filter(bin__kind="tote").aggregate(n=Sum("qty"))["n"] or 0
    accepted = StationScan.objects.filter(ok=True).exclude(raw__startswith="BIN:").count()
    if in_totes != accepted or accepted < answered:
        raise RuntimeError(f"{in_totes} units in totes after {accepted} accepted item scans ({answered} answered)")
