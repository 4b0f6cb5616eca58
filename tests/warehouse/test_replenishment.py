"""Replenishment: pick faces kept between min and max from reserve bins that waves never pick from; tasks
raised under the minimum or for what waiting orders need, claimed and done by scan, stock moved by the ledger."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from core import roles
from inventory.models import BinStock, Movement
from layout.models import Bin
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.models import PickFace, PickLine, ReplenishmentReason, ReplenishmentTask
from warehouse.outbound.services.picking import pick_claim_next, pick_scan
from warehouse.outbound.services.replenishment import (
    ReplenishmentRefused,
    replenishment_claim_next,
    replenishment_raise,
    replenishment_scan,
    replenishment_station_scan,
    replenishment_sweep,
)
from warehouse.outbound.services.waves import wave_plan

OPERATOR_PASSWORD = "move-pass-1"


def faced(*, on_face: int, in_reserve: int = 50, min_qty: int = 5, max_qty: int = 20):
    ps = build_pick_site(shelves=3, totes=4)
    item = product(ps, name="Soap")
    face = ps.shelves[0]
    reserve = BinFactory(zone=face.zone, code="R-09-01-A", kind=Bin.Kind.PALLET, is_pickable=False, walk_x=90, walk_y=10)
    if on_face:
        put(item, face, on_face)
    put(item, reserve, in_reserve)
    PickFace.objects.create(warehouse=ps.warehouse, bin=face, product=item, min_qty=min_qty, max_qty=max_qty)
    operator = UserFactory(role=roles.PICKER)
    return ps, item, face, reserve, operator


def qty_in(bin_, item) -> int:
    return sum(BinStock.objects.filter(bin=bin_, product=item).values_list("qty", flat=True))


@pytest.mark.django_db
def test_a_face_under_its_minimum_gets_one_task_filling_it_to_its_maximum():
    ps, item, face, reserve, _ = faced(on_face=3)
    (task,) = replenishment_raise(warehouse=ps.warehouse)
    assert (task.from_bin, task.to_bin, task.qty, task.reason) == (reserve, face, 17, ReplenishmentReason.BELOW_MIN)
    assert replenishment_raise(warehouse=ps.warehouse) == []  # one live task per face
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplenishmentTask.objects.create(warehouse=ps.warehouse, pick_face=task.pick_face, product=item, from_bin=reserve,
                                         to_bin=face, qty=1, reason=ReplenishmentReason.BELOW_MIN)


@pytest.mark.django_db
def test_a_face_within_its_band_and_a_face_with_no_reserve_raise_nothing():
    ps, item, face, reserve, _ = faced(on_face=8)
    assert replenishment_raise(warehouse=ps.warehouse) == []
    BinStock.objects.filter(bin=reserve).delete()  # (test set-up only: the reserve is gone)
    PickFace.objects.filter(product=item).update(min_qty=10)
    assert replenishment_raise(warehouse=ps.warehouse) == []


@pytest.mark.django_db
def test_what_waiting_orders_need_beyond_the_face_raises_a_task():
    ps, item, face, reserve, _ = faced(on_face=8)
    released(ps, [(item, 12)])
    (task,) = replenishment_raise(warehouse=ps.warehouse)
    assert (task.reason, task.qty) == (ReplenishmentReason.WAVE_DEMAND, 20 - 8)


@pytest.mark.django_db
def test_waves_never_pick_eaches_from_a_reserve_bin_and_raise_the_replenishment_they_need():
    ps, item, face, reserve, _ = faced(on_face=6)
    released(ps, [(item, 4)])
    wave = wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    lines = PickLine.objects.filter(session__wave=wave)
    assert {line.bin for line in lines} == {face} and sum(line.qty for line in lines) == 4
    (task,) = ReplenishmentTask.objects.all()  # the face will hold 2 once picked: under its minimum of 5
    assert (task.reason, task.qty) == (ReplenishmentReason.BELOW_MIN, 20 - 2)


@pytest.mark.django_db
def test_the_task_is_claimed_and_done_by_scan_and_moves_through_the_ledger():
    ps, item, face, reserve, operator = faced(on_face=3)
    (task,) = replenishment_raise(warehouse=ps.warehouse)
    reply = replenishment_station_scan(warehouse=ps.warehouse, raw="", actor=operator)
    assert reply.ok and f"Take 17 x {item.sku} from {reserve.code}" in reply.message
    with pytest.raises(ReplenishmentRefused, match=f"take the units from {reserve.code}"):
        replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{face.code}", actor=operator)
    replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{reserve.code}", actor=operator)
    with pytest.raises(ReplenishmentRefused, match="wrong item"):
        replenishment_station_scan(warehouse=ps.warehouse, raw=gtin_of(product(ps)), actor=operator)
    assert "checked" in replenishment_station_scan(warehouse=ps.warehouse, raw=gtin_of(item), actor=operator).message
    with pytest.raises(ReplenishmentRefused, match=f"the face of {item.sku} is {face.code}"):
        replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{ps.shelves[1].code}", actor=operator)
    with pytest.raises(ReplenishmentRefused, match="only 17"):
        replenishment_station_scan(warehouse=ps.warehouse, raw="x18", actor=operator)
    assert qty_in(face, item) == 3  # nothing moved by a refused scan

    reply = replenishment_station_scan(warehouse=ps.warehouse, raw="x10", actor=operator)
    reply = replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{face.code}", actor=operator)
    assert reply.ok and "7 left" in reply.message
    assert (qty_in(face, item), qty_in(reserve, item)) == (13, 40)
    with pytest.raises(ReplenishmentRefused, match=f"take the units from {reserve.code}"):
        replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{face.code}", actor=operator)  # another trip
    replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{reserve.code}", actor=operator)
    reply = replenishment_station_scan(warehouse=ps.warehouse, raw=f"BIN:{face.code}", actor=operator)
    assert reply.data["done"]
    task.refresh_from_db()
    assert (task.status, task.moved_qty) == (ReplenishmentTask.Status.DONE, 17)
    assert (qty_in(face, item), qty_in(reserve, item)) == (20, 33)
    moves = Movement.objects.filter(reference=f"replenish:{task}")
    assert sorted(m.qty for m in moves) == [-10, -7, 7, 10]
    assert_stock_invariants()
    assert replenishment_raise(warehouse=ps.warehouse) == []  # full again


@pytest.mark.django_db
def test_a_task_given_back_goes_to_the_next_operator_and_is_not_anyone_elses_to_scan():
    ps, item, face, reserve, operator = faced(on_face=0)
    replenishment_raise(warehouse=ps.warehouse)
    task = replenishment_claim_next(warehouse=ps.warehouse, actor=operator)
    other = UserFactory(role=roles.PICKER)
    assert replenishment_claim_next(warehouse=ps.warehouse, actor=other) is None
    with pytest.raises(ReplenishmentRefused, match="belongs to"):
        replenishment_scan(task=task, raw=f"BIN:{reserve.code}", actor=other)
    replenishment_scan(task=task, raw="CMD:RELEASE", actor=operator)
    assert replenishment_claim_next(warehouse=ps.warehouse, actor=other) == task


@pytest.mark.django_db
def test_the_beat_sweep_raises_for_every_warehouse_with_faces():
    ps, item, face, reserve, _ = faced(on_face=1)
    assert replenishment_sweep() == {ps.warehouse.code: 1}
    assert replenishment_sweep() == {ps.warehouse.code: 0}


@pytest.mark.django_db
def test_the_station_page_takes_and_moves_a_task(client):
    ps, item, face, reserve, operator = faced(on_face=2)
    replenishment_raise(warehouse=ps.warehouse)
    operator.set_password(OPERATOR_PASSWORD)
    operator.save()
    client.login(username=operator.username, password=OPERATOR_PASSWORD)
    assert client.get("/warehouse/replenishment/").status_code == 200
    page = client.get(f"/warehouse/replenishment/{ps.warehouse.code}/")
    assert page.status_code == 200 and b"data-waiting-tasks" in page.content
    for raw in ("", f"BIN:{reserve.code}", f"BIN:{face.code}"):
        response = client.post(f"/warehouse/replenishment/{ps.warehouse.code}/scan/", {"code": raw, "scan_id": str(uuid.uuid4())})
        assert response.status_code == 200
    assert qty_in(face, item) == 20
    response = client.post(f"/warehouse/replenishment/{ps.warehouse.code}/scan/", {"code": "BIN:\x07", "scan_id": str(uuid.uuid4())})
    assert response.status_code == 200  # a bad scan answers with an error, never a 500


# --- concurrency ---------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_raisers_at_once_never_give_a_face_two_tasks():
    ps, item, face, reserve, _ = faced(on_face=1)
    for _ in range(5):
        results = run_in_threads(lambda i: replenishment_raise(warehouse=ps.warehouse), 3)
        assert not any(isinstance(r, Exception) for r in results), results
        assert ReplenishmentTask.objects.filter(status__in=["open", "claimed"]).count() == 1
        ReplenishmentTask.objects.update(status=ReplenishmentTask.Status.CANCELLED)  # (set-up for the next round)


@pytest.mark.django_db(transaction=True)
def test_two_operators_claiming_at_once_never_get_the_same_task():
    ps, item, face, reserve, _ = faced(on_face=1)
    replenishment_raise(warehouse=ps.warehouse)
    operators = [UserFactory(role=roles.PICKER) for _ in range(3)]
    results = run_in_threads(lambda i: replenishment_claim_next(warehouse=ps.warehouse, actor=operators[i]), 3)
    assert not any(isinstance(r, Exception) for r in results), results
    assert len([r for r in results if r is not None]) == 1


@pytest.mark.django_db(transaction=True)
def test_a_face_refilled_while_a_picker_takes_from_it_keeps_every_unit():
    ps, item, face, reserve, operator = faced(on_face=6)
    released(ps, [(item, 3)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    session = pick_claim_next(warehouse=ps.warehouse, actor=ps.picker)
    pick_scan(session=session, raw=f"BIN:{face.code}", actor=ps.picker)
    pick_scan(session=session, raw="x2", actor=ps.picker)
    task = replenishment_claim_next(warehouse=ps.warehouse, actor=operator)
    replenishment_scan(task=task, raw=f"BIN:{reserve.code}", actor=operator)

    def act(i):
        if i == 0:
            return pick_scan(session=session, raw=item.sku, actor=ps.picker)
        return replenishment_scan(task=task, raw=f"BIN:{face.code}", actor=operator)

    results = run_in_threads(act, 2)
    assert all(r.ok for r in results), results
    assert qty_in(face, item) == 6 - 2 + task.qty
    assert qty_in(reserve, item) == 50 - task.qty
    assert_stock_invariants()
