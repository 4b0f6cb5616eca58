"""Twenty pickers pressing Enter at the same moment on real PostgreSQL never share a session or a tote."""

from collections import Counter

import pytest

from core import roles
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.models import PickSession, PickSlot, PickStrategy
from warehouse.outbound.services.picking import pick_claim_next
from warehouse.outbound.services.waves import wave_plan

PICKERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_pickers_claiming_at_once_never_share_a_session_or_a_tote():
    ps = build_pick_site(shelves=10, totes=30)
    items = [product(ps) for _ in range(5)]
    for n, item in enumerate(items):
        put(item, ps.shelves[n], 100)
    for n in range(25):
        released(ps, [(items[n % 5], 1)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=PickStrategy.SINGLE)
    assert PickSession.objects.count() == 25
    pickers = [UserFactory(role=roles.PICKER) for _ in range(PICKERS)]

    results = run_in_threads(lambda i: pick_claim_next(warehouse=ps.warehouse, actor=pickers[i]), PICKERS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    claimed = [r.pk for r in results]
    assert len(set(claimed)) == PICKERS  # everyone got one, no two the same
    sessions = PickSession.objects.filter(status=PickSession.Status.CLAIMED)
    assert sessions.count() == PICKERS
    assert Counter(sessions.values_list("picker_id", flat=True)).most_common(1)[0][1] == 1
    totes = PickSlot.objects.filter(session__status=PickSession.Status.CLAIMED).values_list("tote_id", flat=True)
    assert None not in totes and len(set(totes)) == PICKERS
    assert PickSession.objects.filter(status=PickSession.Status.OPEN).count() == 25 - PICKERS
