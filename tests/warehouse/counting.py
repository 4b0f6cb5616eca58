"""A warehouse ready to count: stocked shelves, a counter, two managers, and the station's scan path."""

from __future__ import annotations

import uuid

from core import roles
from inventory.models import BinStock, Movement
from tests.factories import UserFactory
from tests.warehouse.picking import PickSite, build_pick_site
from warehouse.control.services.counting import STATION, count_forget_pending, count_station_scan
from warehouse.models import CountPolicy
from warehouse.services.station_scans import StationReply, apply_scan_once


def build_count_site(*, tolerance_units: int | None = 1, tolerance_pct=None, shelves: int = 6, totes: int = 4) -> PickSite:
    ps = build_pick_site(shelves=shelves, totes=totes)
    CountPolicy.objects.create(warehouse=ps.warehouse, tolerance_units=tolerance_units, tolerance_pct=tolerance_pct)
    ps.site.counter = UserFactory(role=roles.INVENTORY_CONTROLLER)  # type: ignore[attr-defined]
    ps.site.approver = UserFactory(role=roles.OPS_MANAGER)  # type: ignore[attr-defined]
    return ps


def scan(ps: PickSite, raw: str, *, user=None) -> StationReply:
    """One scan at the count station, through the same exactly-once path as the page and the API."""
    user = user or ps.counter
    return apply_scan_once(
        scan_id=uuid.uuid4(), station=STATION, user=user, raw=raw,
        action=lambda: count_station_scan(warehouse=ps.warehouse, raw=raw, actor=user),
        on_refusal=lambda: count_forget_pending(warehouse=ps.warehouse, actor=user),
    )


def held(product_, bin_) -> int:
    return sum(BinStock.objects.filter(product=product_, bin=bin_).values_list("qty", flat=True))


def count_moves(product_, bin_):
    return list(Movement.objects.filter(product=product_, bin=bin_, kind="adjust").order_by("id"))


def ledger_state() -> tuple[int, int]:
    return Movement.objects.count(), sum(BinStock.objects.values_list("qty", flat=True))
