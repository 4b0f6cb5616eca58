"""Reads of the warehouse layout: walk geometry shared by putaway (inbound) and pick paths (outbound)."""

from __future__ import annotations

from layout.models import Bin


def pack_out_point(warehouse_id: int) -> tuple[float, float]:
    """Where pickers end their walk and fast movers should sit: the centre of the warehouse's pack stations.

    (0, 0) when the warehouse has no pack station yet.
    """
    stations = list(
        Bin.objects.filter(warehouse_id=warehouse_id, kind=Bin.Kind.PACK_STATION).values_list("walk_x", "walk_y")
    )
    if not stations:
        return 0.0, 0.0
    return sum(x for x, _ in stations) / len(stations), sum(y for _, y in stations) / len(stations)
