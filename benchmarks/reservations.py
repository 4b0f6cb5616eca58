"""Reservations per second on one hot SKU and on 1,000 SKUs, with concurrent threads on real PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

from benchmarks.common import BENCH_DB, bench_database_url, machine, median, setup_django, write_section
from benchmarks.load import pgbench_hot_row

THREADS = 8
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
    line = iter(range(1, 10_000_000))
    lock = threading.Lock()

    def next_line() -> int:
        with lock:
            return next(line)

    def burst(choose) -> float:
        start = threading.Barrier(THREADS + 1)

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            start.wait()
            for _ in range(PER_THREAD):
                stock_reserve(product=choose(rng), warehouse=warehouse, qty=1, order_line_id=next_line(), actor="bench")
            connections.close_all()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        return THREADS * PER_THREAD / (time.perf_counter() - began)

    hot_rates: list[float] = []
    spread_rates = [burst(lambda rng: rng.choice(spread)) for _ in range(ROUNDS)]
    single = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for _ in range(300):
            stock_reserve(product=hot, warehouse=warehouse, qty=1, order_line_id=next_line(), actor="bench")
        single.append(300 / (time.perf_counter() - began))
    ceiling = []
    for _ in range(ROUNDS):
        ceiling.append(pgbench_hot_row(url))
        hot_rates.append(burst(lambda rng: hot))

    write_section("Reservations", f"""
Command: `make bench BENCH_ARGS=reservations`. `stock_reserve` of 1 unit, each call its own transaction, with
its ledger row and availability mark. {THREADS} threads x {PER_THREAD} calls per round in one Python process,
{ROUNDS} rounds, medians; a fresh `{BENCH_DB}` database on the configured PostgreSQL (1,001 products, 100,000
units each in one bin). Machine: {machine()}. Ceiling, same run, each round right before a hot-SKU round:
pgbench `-n -c 8 -j 2 -T 15` running `UPDATE bench_hot_row SET reserved = reserved + 1 WHERE id = 1 AND
on_hand - reserved >= 1` (a guarded single-row UPDATE on one hot row).

| workload | reservations / s (median) | rounds |
|---|---|---|
| one hot SKU, {THREADS} threads | {median(hot_rates):.0f} | {", ".join(f"{r:.0f}" for r in hot_rates)} |
| 1,000 SKUs spread, {THREADS} threads | {median(spread_rates):.0f} | {", ".join(f"{r:.0f}" for r in spread_rates)} |
| one hot SKU, 1 thread (no contention) | {median(single):.0f} | {", ".join(f"{r:.0f}" for r in single)} |
| ceiling: pgbench hot-row UPDATE, 8 clients | {median(ceiling):.0f} | {", ".join(f"{r:.0f}" for r in ceiling)} |

Hot SKU / pgbench hot row: **{median(hot_rates) / median(ceiling):.2f}**.

Spread / hot ratio: {median(spread_rates) / median(hot_rates):.2f}. On the hot SKU every reservation queues on
one row lock (that is what makes overselling impossible); spread SKUs only share the CPU.
""")
