"""`manage.py simulate`: a compressed day against a running system, through its real entry points.

    manage.py simulate --fresh                     # 200 orders, 10/s then a flash sale at 5x
    manage.py simulate --fresh --orders 3000 --rate 40 --burst-factor 5 --seed 3
    manage.py simulate --url http://127.0.0.1:8000 # against a system already running on the configured database

Exits non-zero when the end-of-day invariant check fails.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Simulate a day (normal hour, flash sale, floor work) against the running system and check the invariants."

    def add_arguments(self, parser):
        parser.add_argument("--fresh", action="store_true",
                            help="Create (drop first) and migrate the simulation database and run there")
        parser.add_argument("--database", default="wms_simulate", help="Name of the --fresh database")
        parser.add_argument("--url", default="", help="A system already running against this database: start nothing")
        parser.add_argument("--port", type=int, default=8790, help="Port of the web server started for the run")
        parser.add_argument("--workers", type=int, default=0, help="Celery worker concurrency (default: as make run)")
        parser.add_argument("--orders", type=int, default=200, help="Webhooks (orders) in the day")
        parser.add_argument("--rate", type=float, default=10.0, help="Normal orders per second")
        parser.add_argument("--burst-factor", type=float, default=5.0, help="Flash-sale rate as a multiple of --rate")
        parser.add_argument("--burst-share", type=float, default=0.5, help="Share of the orders in the flash sale")
        parser.add_argument("--senders", type=int, default=16, help="Concurrent webhook connections")
        parser.add_argument("--seed", type=int, default=17)
        parser.add_argument("--skus", type=int, default=60, help="SKUs the storefront sells (some stocked thin)")
        parser.add_argument("--pickers", type=int, default=4)
        parser.add_argument("--packers", type=int, default=4)
        parser.add_argument("--pick-orders", type=int, default=48, help="Orders per warehouse taken through the floor")
        parser.add_argument("--fail-rate", type=float, default=0.05, help="Share of pick lines reported short or empty")
        parser.add_argument("--settle-timeout", type=float, default=300.0, help="Seconds to wait for intake to drain")
        parser.add_argument("--json", default="", help="Write the full report to this file")

    def handle(self, *args, **options):
        for name, low, high in (("orders", 1, 1_000_000), ("rate", 0.1, 10_000), ("burst_factor", 1, 100),
                                ("burst_share", 0, 1), ("senders", 1, 256), ("skus", 6, 150), ("pickers", 1, 50), ("packers", 1, 4),
                                ("pick_orders", 0, 100_000), ("fail_rate", 0, 1), ("port", 1024, 65535)):
            if not low <= options[name] <= high:
                raise CommandError(f"--{name.replace('_', '-')} must be between {low} and {high}")
        from demo.simulation import system

        if options["fresh"]:
            if options["url"]:
                raise CommandError("--fresh starts its own system: leave --url out")
            system.fresh_database(options["database"])
            _use_database(options["database"])
            self.stdout.write(f"fresh database {options['database']} migrated")
        database_url = _database_url()
        report = self._day(database_url, options)
        text = _text(report)
        self.stdout.write(text)
        if options["json"]:
            with open(options["json"], "w") as handle:
                json.dump(report, handle, indent=1, default=str)
        if not report["invariants"]["clean"]:
            raise CommandError("the invariant check failed (see above)")

    def _day(self, database_url: str, options) -> dict:
        from demo.simulation.check import invariant_report
        from demo.simulation.floor import run_floor
        from demo.simulation.intake import send_webhooks
        from demo.simulation.monitor import Monitor
        from demo.simulation.report import backlog, end_to_end, spread
        from demo.simulation.seed import seed_world

        began = time.monotonic()
        world = seed_world(seed=options["seed"], pickers=options["pickers"], packers=options["packers"],
                           skus=options["skus"])
        self.stdout.write(f"seeded: {len(world.skus)} SKUs ({len(world.scarce)} scarce) in {', '.join(world.warehouses)}, "
                          f"{world.units} units, {options['pickers']} pickers, {options['packers']} packers "
                          f"({time.monotonic() - began:.0f} s)")
        with self._system(database_url, options) as base:
            monitor = Monitor(world.channel_id).start()
            started = time.time()
            self.stdout.write(f"sending {options['orders']} webhooks to {base}")
            intake = send_webhooks(base, world, orders=options["orders"], rate=options["rate"],
                                   burst_factor=options["burst_factor"], burst_share=options["burst_share"],
                                   seed=options["seed"], senders=options["senders"])
            settled = _settle(world.channel_id, len(intake.sent), options["settle_timeout"])
            self.stdout.write(f"intake {'settled' if settled else 'NOT settled'} {time.time() - started:.0f} s after the "
                              f"first webhook; floor work starts")
            e2e = end_to_end(world.channel_id, intake)
            floor = run_floor(base, world, max_orders=options["pick_orders"], fail_rate=options["fail_rate"],
                              seed=options["seed"])
            _settle(world.channel_id, len(intake.sent), 30)
            monitor.stop()
        latency = {"webhook": spread([s.latency_ms for s in intake.sent])}
        latency["webhook (flash sale)"] = spread([s.latency_ms for s in intake.sent if s.phase == "flash sale"])
        latency.update({name: spread(values) for name, values in sorted(floor.latencies.items())})
        invariants = invariant_report(channel_id=world.channel_id, sent_ids=[s.external_id for s in intake.sent])
        if intake.errors:
            invariants["clean"] = False
        return {
            "options": {k: v for k, v in options.items() if k in {"orders", "rate", "burst_factor", "burst_share", "seed",
                                                                 "senders", "skus", "pickers", "packers", "pick_orders",
                                                                 "fail_rate", "workers"}},
            "server": {"web_workers": _env("WEB_WORKERS", "2"), "web_threads": _env("WEB_THREADS", "4"),
                       "worker_concurrency": options["workers"] or _env("WORKER_CONCURRENCY", "2")},
            "phases": intake.phases, "webhook_errors": intake.errors[:20], "settled": settled,
            "end_to_end": e2e, "latency_ms": latency, "backlog": backlog(monitor.samples, started),
            "floor": {k: v for k, v in floor.__dict__.items() if k != "latencies"},
            "invariants": invariants, "seconds": time.monotonic() - began,
        }

    @contextmanager
    def _system(self, database_url: str, options):
        if options["url"]:
            yield options["url"].rstrip("/")
            return
        from demo.simulation.system import running_system

        with running_system(database_url=database_url, port=options["port"],
                            workers=options["workers"] or None) as (base, log_dir):
            self.stdout.write(f"system running at {base} (logs in {log_dir})")
            yield base


def _env(name: str, default: str) -> str:
    import os

    return os.environ.get(name, default)


def _text(report: dict) -> str:
    from demo.simulation.report import as_text

    return as_text(report)


def _use_database(name: str) -> None:
    """This process reads and checks the fresh database from here on (the system it starts is given its URL)."""
    from django.db import connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


def _database_url() -> str:
    """The configured server's own URL (a host and port, or the embedded server's socket) naming the database
    in use: rebuilding it from the connection settings would lose a socket directory."""
    name = settings.DATABASES["default"]["NAME"]
    return re.sub(r"/[^/?]+(\?|$)", rf"/{name}\1", settings.DATABASE_URL, count=1)


def _settle(channel_id: int, sent: int, timeout: float) -> bool:
    """Until every delivery is processed and no order waits for allocation (or the timeout)."""
    from orders.models import InboxDelivery, Order

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = InboxDelivery.objects.filter(channel_id=channel_id)
        waiting = deliveries.exclude(status=InboxDelivery.Status.PROCESSED).count()
        pending = Order.objects.filter(channel_id=channel_id, status__in=[Order.Status.PENDING, Order.Status.ALLOCATED]).count()
        if deliveries.count() >= sent and not waiting and not pending:
            return True
        time.sleep(0.5)
    return False
