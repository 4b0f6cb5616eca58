"""Reservations per second on one hot SKU and on 1,000 SKUs, with concurrent callers on real PostgreSQL.

The callers run as the product runs them: in 2 processes (as the web server's and the worker's processes) of
4 threads each, the same shape as pgbench's `-c 8 -j 2` ceiling. One process of 8 threads is measured too:
there Python's GIL, not the row lock, sets the rate."""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from decimal import Decimal

from benchmarks.common import BENCH_DB, bench_database_url, machine, median, setup_django, write_section
from benchmarks.load import pgbench_hot_row

THREADS = 8
PROCESSES = 2
PER_THREAD = 150
ROUNDS = 3


def run() -> None:
    url = bench_database_url()
    setup_django(url)
    from django.db import connections

    from inventory.models import Merchant, Product
    from inventory.services.reservations import stock_reserve
    from inventory.services.stock import stock_receive
    from layout.models import Bin, Warehouse, Zone

    merchant = Merchant.objects.create(code="bench", name="Bench")
    warehouse = Warehouse.objects.create(code="bench", name="Bench", latitude=Decimal("40.7"), longitude=Decimal("-74.1"))
    zone = Zone.objects.create(warehouse=warehouse, code="S", name="S", kind=Zone.Kind.STORAGE)
    bin_ = Bin.objects.create(warehouse=warehouse, zone=zone, code="A-01")
    products = Product.objects.bulk_create(Product(merchant=merchant, sku=f"B-{n:04d}", name="x") for n in range(1001))
    for product in products:
        stock_receive(product=product, bin=bin_, qty=100_000, actor="bench")
    hot, spread = products[0], products[1:]
    rounds_run = iter(range(1, 1000))

    def burst(choose, processes: int = PROCESSES) -> float:
        """THREADS callers in `processes` forked processes; each call reserves for its own order line."""
        per_process = THREADS // processes
        base = next(rounds_run) * 1_000_000  # order line ids of this round, disjoint per caller
        connections.close_all()  # a forked child must open its own connection, never share the parent's
        context = multiprocessing.get_context("fork")
        start = context.Barrier(THREADS + 1)

        def caller(seed: int) -> None:
            rng = random.Random(seed)
            start.wait()
            for n in range(PER_THREAD):
                stock_reserve(product=choose(rng), warehouse=warehouse, qty=1, order_line_id=base + seed * PER_THREAD + n,
                              actor="bench")
            connections.close_all()

        def process(first: int) -> None:
            threads = [threading.Thread(target=caller, args=(first + i,)) for i in range(per_process)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        if processes == 1:
            children = [threading.Thread(target=process, args=(0,))]
        else:
            children = [context.Process(target=process, args=(p * per_process,)) for p in range(processes)]
        for child in children:
            child.start()
        start.wait()
        began = time.perf_counter()
        for child in children:
            child.join()
        if any(getattr(child, "exitcode", 0) for child in children):
            raise RuntimeError("a reservation caller process failed")
        return THREADS * PER_THREAD / (time.perf_counter() - began)

    hot_rates: list[float] = []
    spread_rates = [burst(lambda rng: rng.choice(spread)) for _ in range(ROUNDS)]
    single = []
    for _ in range(ROUNDS):
        base = next(rounds_run) * 1_000_000
        began = time.perf_counter()
        for n in range(300):
            stock_reserve(product=hot, warehouse=warehouse, qty=1, order_line_id=base + n, actor="bench")
        single.append(300 / (time.perf_counter() - began))
    ceiling, hot_one_process = [], []
    for _ in range(ROUNDS):
        ceiling.append(pgbench_hot_row(url))
        hot_rates.append(burst(lambda rng: hot))
        hot_one_process.append(burst(lambda rng: hot, processes=1))
    from inventory.models import Reservation, StockLevel

    reserved = sum(Reservation.objects.values_list("qty", flat=True))
    allocated = sum(StockLevel.objects.values_list("allocated", flat=True))
    if reserved != allocated:
        raise RuntimeError(f"{reserved} units reserved against {allocated} allocated on the levels")

    write_section("Reservations", f"""
Command: `make bench BENCH_ARGS=reservations`. `stock_reserve` of 1 unit, each call its own transaction, with
its ledger row and availability mark. {THREADS} callers x {PER_THREAD} calls per round, as {PROCESSES} processes
x {THREADS // PROCESSES} threads (the shape of pgbench's ceiling below) unless the row says otherwise; {ROUNDS} rounds, medians; a fresh `{BENCH_DB}` database on the configured PostgreSQL (1,001 products, 100,000
units each in one bin). Machine: {machine()}. Ceiling, same run, each round right before a hot-SKU round:
pgbench `-n -c 8 -j 2 -T 15` running `UPDATE bench_hot_row SET reserved = reserved + 1 WHERE id = 1 AND
on_hand - reserved >= 1` (a guarded single-row UPDATE on one hot row).

| workload | reservations / s (median) | rounds |
|---|---|---|
| one hot SKU, {THREADS} callers in {PROCESSES} processes | {median(hot_rates):.0f} | {", ".join(f"{r:.0f}" for r in hot_rates)} |
| one hot SKU, {THREADS} threads in 1 process | {median(hot_one_process):.0f} | {", ".join(f"{r:.0f}" for r in hot_one_process)} |
| 1,000 SKUs spread, {THREADS} callers in {PROCESSES} processes | {median(spread_rates):.0f} | {", ".join(f"{r:.0f}" for r in spread_rates)} |
| one hot SKU, 1 thread (no contention) | {median(single):.0f} | {", ".join(f"{r:.0f}" for r in single)} |
| ceiling: pgbench hot-row UPDATE, 8 clients | {median(ceiling):.0f} | {", ".join(f"{r:.0f}" for r in ceiling)} |

Hot SKU / pgbench hot row: **{median(hot_rates) / median(ceiling):.2f}** ({median(hot_one_process) / median(ceiling):.2f} from one
process, where the GIL serializes the callers' Python). Afterwards every reserved unit is on its level's
allocated count.

Spread / hot ratio: {median(spread_rates) / median(hot_rates):.2f}. On the hot SKU every reservation queues on
one row lock (that is what makes overselling impossible); spread SKUs only share the CPU.
""")
