"""Picked orders waiting at pack-out, and carton types to pack them in."""

from __future__ import annotations

from tests.warehouse.picking import planned_and_claimed, product, put, released
from warehouse.models import CartonType
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.picking import pick_scan


def carton_types() -> dict[str, CartonType]:
    specs = [("S", 250, 200, 100, 150), ("M", 350, 300, 200, 250), ("L", 500, 400, 300, 400)]
    return {code: CartonType.objects.get_or_create(code=code, defaults=dict(
        name=f"Box {code}", length_mm=l, width_mm=w, height_mm=h, tare_g=t))[0] for code, l, w, h, t in specs}


def picked(ps, lines):
    """Release an order for `lines` [(product, qty)], pick it completely; returns (order, tote)."""
    ps.warehouse.address_line1 = "100 Port St"
    ps.warehouse.save()
    for item, qty in lines:
        put(item, ps.shelves[len(lines) % len(ps.shelves)], qty)
    order = released(ps, lines)
    session = planned_and_claimed(ps)
    while (line := current_line(session)) is not None:
        pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=ps.picker)
        pick_scan(session=session, raw=f"x{line.remaining}", actor=ps.picker)
        pick_scan(session=session, raw=line.product.sku, actor=ps.picker)
    return order, session.slots.get().tote


__all__ = ["carton_types", "picked", "product"]
