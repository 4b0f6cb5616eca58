"""The floor as handhelds drive it, over the REST API: a manager plans waves, pickers claim sessions and scan
bin then item (some lines reported short or empty on purpose), packers scan totes and units at their
stations and close the pack (the sandbox carrier sells the labels), and the day ends with manifests closed."""

from __future__ import annotations

import http.client
import json
import queue
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CARRIERS = ("UPS", "USPS", "FedEx")


class Handheld:
    """One device: a persistent HTTP connection and a token; every call's latency is kept."""

    def __init__(self, base_url: str, token: str, result: FloorResult, lock: threading.Lock):
        target = urlsplit(base_url)
        self.host, self.port, self.token = target.hostname, target.port, token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.result, self.lock = result, lock

    def call(self, method: str, path: str, body: dict | None = None, *, kind: str = "") -> tuple[int, dict]:
        """A 5xx is noted as a server error and the request sent once more, as a device retries (a write
        carries its client scan id, so it is applied at most once)."""
        status, reply = self._call(method, path, body, kind=kind)
        if status >= 500:
            with self.lock:
                self.result.server_errors.append(f"{method} {path}: {status}")
            status, reply = self._call(method, path, body, kind=kind)
        return status, reply

    def _call(self, method: str, path: str, body: dict | None, *, kind: str) -> tuple[int, dict]:
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        began = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected):
                # The server closed an idle keep-alive connection: a device reconnects and sends again (every
                # write carries its client scan id, so a repeat is applied once).
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        if kind:
            with self.lock:
                self.result.latencies.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
        return response.status, (json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else {})

    def scan(self, path: str, code: str, kind: str) -> tuple[int, dict]:
        return self.call("POST", path, {"scan_id": str(uuid.uuid4()), "code": code}, kind=kind)


@dataclass
class FloorResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    waves: int = 0
    sessions: int = 0
    lines_picked: int = 0
    lines_failed: int = 0
    packs_labelled: int = 0
    packs_left: list[str] = field(default_factory=list)
    manifests: int = 0
    refused: list[str] = field(default_factory=list)  # 422 answers a handheld shows and recovers from
    problems: list[str] = field(default_factory=list)  # anything else: a broken floor
    server_errors: list[str] = field(default_factory=list)  # 5xx answers (each request was retried once)
    seconds: float = 0.0


def run_floor(base_url: str, world, *, max_orders: int, fail_rate: float, seed: int) -> FloorResult:
    result = FloorResult()
    lock = threading.Lock()
    rng = random.Random(seed)
    began = time.monotonic()
    manager = Handheld(base_url, world.tokens["manager"][0], result, lock)
    for warehouse in world.warehouses:
        planned = 0
        while planned < max_orders:
            status, wave = manager.call("POST", f"/api/v1/warehouses/{warehouse}/waves/",
                                        {"strategy": "batch", "orders_per_session": 4,
                                         "max_orders": min(24, max_orders - planned)}, kind="wave plan")
            if status != 201:
                break  # nothing released waits here any more
            result.waves += 1
            planned += sum(s["orders"] for s in wave["sessions"])
            totes: queue.Queue[str] = queue.Queue()
            _threads([(_picker, (base_url, token, warehouse, result, lock, totes, fail_rate, random.Random(rng.random())))
                      for token in world.tokens["picker"]])
            stations = [f"PACK-{n}" for n in range(1, len(world.tokens["packer"]) + 1)]
            _threads([(_packer, (base_url, token, warehouse, station, result, lock, totes))
                      for token, station in zip(world.tokens["packer"], stations)])
        for carrier in CARRIERS:
            status, reply = manager.call("POST", f"/api/v1/warehouses/{warehouse}/manifests/", {"carrier": carrier},
                                         kind="manifest close")
            result.manifests += status == 201
            if status == 409 and "labels waiting" not in str(reply):  # refused for another reason than none waiting
                result.refused.append(f"manifest {carrier} at {warehouse}: {reply}")
    result.seconds = time.monotonic() - began
    return result


def _threads(work) -> None:
    threads = [threading.Thread(target=target, args=args) for target, args in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _picker(base_url, token, warehouse, result, lock, totes, fail_rate, rng) -> None:
    device = Handheld(base_url, token, result, lock)
    while True:
        status, session = device.call("POST", f"/api/v1/warehouses/{warehouse}/picking/claim/", {}, kind="pick claim")
        if status == 204:
            return
        if status != 200:
            with lock:
                result.problems.append(f"claim at {warehouse} answered {status}: {session}")
            return
        with lock:
            result.sessions += 1
        scans = f"/api/v1/pick-sessions/{session['id']}/scans/"
        for _ in range(200):  # a session's lines, re-sourced ones included
            line = session.get("current_line")
            if not line:
                break
            status, reply = device.scan(scans, f"BIN:{line['bin']}", "pick scan (bin)")
            if status == 200 and rng.random() < fail_rate:
                kind, found = ("short", max(0, line["remaining"] - 1)) if rng.random() < 0.7 else ("bin_empty", 0)
                status, reply = device.call("POST", f"/api/v1/pick-sessions/{session['id']}/failures/",
                                            {"scan_id": str(uuid.uuid4()), "line_id": line["id"], "kind": kind,
                                             "found_qty": found}, kind="pick failure")
                with lock:
                    result.lines_failed += 1
            elif status == 200:
                if line["remaining"] > 1:
                    device.scan(scans, f"x{line['remaining']}", "pick scan (qty)")
                status, reply = device.scan(scans, line["sku"], "pick scan (item)")
                with lock:
                    result.lines_picked += status == 200
            if status == 422:  # refused (the line moved on, say after a re-source): the device re-reads and follows
                with lock:
                    result.refused.append(f"pick {line['sku']} at {line['bin']}: {reply.get('message')}")
            elif status != 200:
                with lock:
                    result.problems.append(f"pick {line['sku']} at {line['bin']}: {status} {reply.get('message')}")
            _, session = device.call("GET", f"/api/v1/pick-sessions/{session['id']}/", kind="pick session read")
            if reply.get("data", {}).get("done"):
                break
        for slot in session.get("slots", []):
            if slot.get("tote"):
                totes.put(slot["tote"])


def _packer(base_url, token, warehouse, station, result, lock, totes) -> None:
    device = Handheld(base_url, token, result, lock)
    path = f"/api/v1/warehouses/{warehouse}/pack-stations/{station}/scans/"
    while True:
        try:
            tote = totes.get_nowait()
        except queue.Empty:
            return
        status, started = device.scan(path, f"TOTE:{tote}", "pack scan (tote)")
        if status != 200:
            with lock:
                result.packs_left.append(f"{tote}: {started.get('message')}")
            continue
        pack_id = started["data"]["pack_id"]
        _, pack = device.call("GET", f"/api/v1/packs/{pack_id}/", kind="pack read")
        for line in pack.get("lines", []):
            if line["missing"] > 1:
                device.scan(path, f"x{line['missing']}", "pack scan (qty)")
            if line["missing"]:
                device.scan(path, line["sku"], "pack scan (item)")
        status, done = device.scan(path, "CMD:DONE", "pack close + label")
        if status == 200:
            with lock:
                result.packs_labelled += 1
        else:  # an order still missing units (a short pick re-sourced elsewhere) waits at pack-out
            device.call("POST", f"/api/v1/packs/{pack_id}/release/", kind="pack release")
            with lock:
                result.packs_left.append(f"{tote}: {done.get('message')}")
