"""A picker reporting a failure at a bin while another picker scans an item from that same bin: the failure locks
every open line at the bin before any stock row (the global lock order), so the two never deadlock; one of them
wins and the other gets a clear answer."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from core import roles
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import Discrepancy
from warehouse.outbound.services.picking import PickRefused, pick_scan

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 6


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_a_failure_and_an_item_scan_at_the_same_bin_never_deadlock(round_no):
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    put(shirt, ps.shelves[6], 10)
    other_picker = UserFactory(role=roles.PICKER)
    released(ps, [(shirt, 1)])
    first = planned_and_claimed(ps)
    released(ps, [(shirt, 1)])
    second = planned_and_claimed(ps, picker=other_picker)
    for session, picker in ((first, ps.picker), (second, other_picker)):
        assert session.lines.get().bin_id == ps.shelves[0].pk
        pick_scan(session=session, raw=f"BIN:{ps.shelves[0].code}", actor=picker)

    results = run_in_threads(lambda i: (
        pick_scan(session=first, raw="CMD:EMPTY", actor=ps.picker) if i == 0
        else pick_scan(session=second, raw=gtin_of(shirt), actor=other_picker)
    ), 2)

    assert not [r for r in results if isinstance(r, OperationalError)], results
    assert all(r is None or not isinstance(r, Exception) or isinstance(r, PickRefused) for r in results), results
    assert Discrepancy.objects.filter(bin=ps.shelves[0]).count() == 1
    assert_stock_invariants()
