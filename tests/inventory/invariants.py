"""Independent recomputation of the stock invariants (not via the code under test)."""

from collections import defaultdict

from inventory.models import BinStock, Movement, Reservation, StockLevel


def assert_stock_invariants() -> None:
    bins, ledger, allocated, unusable = (defaultdict(int) for _ in range(4))
    for row in BinStock.objects.all():
        assert row.qty >= 0, row
        bins[(row.product_id, row.warehouse_id)] += row.qty
        if row.is_flagged or row.condition != "sellable":
            unusable[(row.product_id, row.warehouse_id)] += row.qty
    for m in Movement.objects.all():
        ledger[(m.product_id, m.warehouse_id)] += m.qty
    for r in Reservation.objects.all():
        assert r.qty >= 0 and r.picked_qty >= 0, r
        allocated[(r.product_id, r.warehouse_id)] += r.qty + r.picked_qty
    levels = {(lv.product_id, lv.warehouse_id): lv for lv in StockLevel.objects.all()}
    for key in set(levels) | set(bins) | set(ledger) | set(allocated):
        level = levels.get(key)
        on_hand = level.on_hand if level else 0
        assert on_hand == bins[key], f"invariant 1 broken for {key}: on_hand {on_hand} != bins {bins[key]}"
        assert on_hand == ledger[key], f"invariant 2 broken for {key}: on_hand {on_hand} != ledger {ledger[key]}"
        assert (level.allocated if level else 0) == allocated[key], f"allocated drift for {key}"
        assert (level.unavailable if level else 0) == unusable[key], f"unavailable drift for {key}"
