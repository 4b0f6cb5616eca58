"""Replenishment: pick faces kept between their minimum and maximum from reserve (overstock) bins.

A reserve bin is a storage bin that is not pickable (`Bin.is_reserve`): waves never plan an each from it
(`warehouse.outbound.selectors.plan_bins` takes pickable bins only). Its units reach the pick face through a
replenishment task, raised

- when a face's free quantity (what it holds less what open pick lines will take) falls under its minimum:
  the beat sweep (`warehouse.sweep_replenishment`, every minute) and every wave plan look, and
- when the next wave needs more of a SKU than its face holds (the released orders waiting for a wave),

and claimed and done by scan like putaway: claim (Enter), scan the reserve bin, (scan the item), scan the
face. The units move through `inventory.services.stock.stock_move` with the ledger (`replenish:R-<id>`).

Locks: raising locks the warehouse's faces in primary-key order (one live task per face is also a partial
unique constraint); claiming skips locked tasks; a move locks its task, then the stock level. A wave plan
that raises holds its fulfillment orders first, which comes before the faces in the house order.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from core.errors import Conflict, DomainError
from inventory.models import BinStock, Condition, Reservation
from inventory.services.stock import stock_move
from inventory.tenancy import staff_scoped
from layout.models import Bin, Warehouse
from orders.models import FulfillmentLine
from warehouse.models import PickFace, PickLine, PickSession, ReplenishmentReason, ReplenishmentTask
from warehouse.outbound.selectors import wave_candidates
from warehouse.outbound.services.lifecycles import _logged
from warehouse.outbound.state import REPLENISHMENT
from warehouse.scanning import ScanKind, parse_scan
from warehouse.services.scan_match import scan_names_product
from warehouse.services.station_scans import StationReply

LIVE = (ReplenishmentTask.Status.OPEN, ReplenishmentTask.Status.CLAIMED)


class ReplenishmentRefused(DomainError):
    code = "replenishment_refused"


def replenishment_transition(*, task: ReplenishmentTask, to: str, actor, reason: str = "", extra=None) -> str:
    return _logged("replenishment task", task, REPLENISHMENT.apply(task, to, extra=extra, label=str(task)), to, actor, reason)


# --- reads -------------------------------------------------------------------------------------------------

def face_free(faces: list[PickFace]) -> dict[int, int]:
    """Per face: sellable, unflagged units in the face bin less what open pick lines will still take there."""
    held = {
        (row["bin_id"], row["product_id"]): row["n"]
        for row in BinStock.objects.filter(
            bin_id__in=[f.bin_id for f in faces], product_id__in=[f.product_id for f in faces],
            condition=Condition.SELLABLE, is_flagged=False,
        ).values("bin_id", "product_id").annotate(n=Sum("qty"))
    }
    promised = {
        (row["bin_id"], row["product_id"]): row["n"]
        for row in PickLine.objects.filter(
            bin_id__in=[f.bin_id for f in faces], product_id__in=[f.product_id for f in faces],
            status=PickLine.Status.OPEN, session__status__in=[PickSession.Status.OPEN, PickSession.Status.CLAIMED],
        ).values("bin_id", "product_id").annotate(n=Sum(F("qty") - F("picked_qty") - F("failed_qty")))
    }
    return {f.pk: (held.get((f.bin_id, f.product_id)) or 0) - (promised.get((f.bin_id, f.product_id)) or 0) for f in faces}


def reserve_source(face: PickFace) -> BinStock | None:
    """The reserve row to take from: sellable, unflagged, first expiry first, then oldest."""
    return (
        BinStock.objects.filter(
            product_id=face.product_id, bin__warehouse_id=face.warehouse_id, bin__kind__in=Bin.STORAGE_KINDS,
            bin__is_pickable=False, bin__is_active=True, condition=Condition.SELLABLE, is_flagged=False, qty__gt=0,
        ).exclude(bin_id=face.bin_id).select_related("bin").order_by(F("expiry").asc(nulls_last=True), "pk").first()
    )


def waiting_demand(warehouse: Warehouse) -> dict[int, int]:
    """Units per product that released orders not yet in a wave still need from this warehouse."""
    lines = FulfillmentLine.objects.filter(fulfillment_order__in=wave_candidates(warehouse)).values("order_line_id")
    return {
        row["product_id"]: row["n"]
        for row in Reservation.objects.filter(warehouse=warehouse, order_line_id__in=lines, qty__gt=0)
        .values("product_id").annotate(n=Sum("qty"))
    }


# --- raising -----------------------------------------------------------------------------------------------

@transaction.atomic
def replenishment_raise(*, warehouse: Warehouse, actor=None, demand: Mapping[int, int] | None = None) -> list[ReplenishmentTask]:
    """Raise a task for every active face of `warehouse` under its minimum, and for every face holding less
    than the next wave needs (`demand`: units per product id; by default what released orders waiting for a
    wave need, `waiting_demand`). A face with a live task, or whose SKU has nothing in reserve, is left
    alone. Returns the tasks raised."""
    faces = PickFace.objects.filter(warehouse=warehouse, is_active=True)
    if not faces.exists():
        return []
    if demand is None:
        demand = waiting_demand(warehouse)
    # Two raisers (the sweep and a wave plan) decide one face at a time: no face gets two tasks.
    locked = list(faces.select_related("bin", "product").order_by("pk").select_for_update(of=("self",), no_key=True))
    if not locked:
        return []
    live = set(ReplenishmentTask.objects.filter(pick_face__in=locked, status__in=LIVE).values_list("pick_face_id", flat=True))
    free = face_free(locked)
    raised = []
    for face in locked:
        if face.pk in live:
            continue
        wanted = demand.get(face.product_id, 0)
        if free[face.pk] < face.min_qty:
            reason = ReplenishmentReason.BELOW_MIN
        elif wanted > free[face.pk]:
            reason = ReplenishmentReason.WAVE_DEMAND
        else:
            continue
        need = max(face.max_qty, wanted) - free[face.pk]
        source = reserve_source(face)
        if source is None or need <= 0:
            continue
        raised.append(ReplenishmentTask.objects.create(
            warehouse=warehouse, pick_face=face, product_id=face.product_id, from_bin=source.bin, to_bin=face.bin,
            qty=min(need, source.qty), reason=reason,
        ))
    return raised


# --- doing -------------------------------------------------------------------------------------------------

@transaction.atomic
def replenishment_claim_next(*, warehouse: Warehouse, actor) -> ReplenishmentTask | None:
    """The operator's claimed task, or the oldest waiting one, claimed with SKIP LOCKED. Staff limited to some
    merchants take only those merchants' tasks."""
    mine = ReplenishmentTask.objects.filter(warehouse=warehouse, status=ReplenishmentTask.Status.CLAIMED, claimed_by=actor).first()
    if mine:
        return mine
    queue = ReplenishmentTask.objects.filter(warehouse=warehouse, status=ReplenishmentTask.Status.OPEN)
    if isinstance(actor, AbstractBaseUser):  # system actors are never scoped
        queue = staff_scoped(queue, actor, merchant="product__merchant_id")
    task = queue.order_by("created_at", "id").select_for_update(of=("self",), no_key=True, skip_locked=True).first()
    if task is None:
        return None
    replenishment_transition(task=task, to=ReplenishmentTask.Status.CLAIMED, actor=actor, reason="claimed",
                             extra={"claimed_by": actor, "claimed_at": timezone.now(), "from_confirmed": False})
    return task


@transaction.atomic
def replenishment_release(*, task: ReplenishmentTask, actor) -> ReplenishmentTask:
    task = _locked(task.pk)
    if task.status != ReplenishmentTask.Status.CLAIMED:
        raise Conflict(f"{task} is {task.get_status_display().lower()}, not claimed")
    replenishment_transition(task=task, to=ReplenishmentTask.Status.OPEN, actor=actor, reason="released",
                             extra={"claimed_by": None, "claimed_at": None, "pending_qty": None, "from_confirmed": False})
    return task


@transaction.atomic
def replenishment_scan(*, task: ReplenishmentTask, raw: str, actor) -> StationReply:
    """One scan for the operator's claimed task: the reserve bin, the item (a check), `x5` for fewer units
    than asked, then the pick face, which moves the units."""
    task = _locked_own(task, actor)
    scan = parse_scan(raw)
    if scan.kind == ScanKind.COMMAND and scan.code == "RELEASE":
        replenishment_release(task=task, actor=actor)
        return StationReply(True, "Task given back to the queue", {"released": True})
    if scan.kind == ScanKind.QTY and scan.qty is not None:
        if scan.qty > task.remaining:
            raise ReplenishmentRefused(f"only {task.remaining} x {task.product.sku} to move on this task, not {scan.qty}")
        task.pending_qty = scan.qty
        task.save(update_fields=["pending_qty"])
        return StationReply(True, f"Quantity {scan.qty}: scan the face {task.to_bin.code} when they are in", {"pending_qty": scan.qty})
    if scan.is_product:
        if not scan_names_product(scan, task.product):
            raise ReplenishmentRefused(f"wrong item: this task is {task.product.sku} ({task.product.name})")
        return StationReply(True, f"Item {task.product.sku} checked: " + (
            f"scan the face {task.to_bin.code}" if task.from_confirmed else f"scan the reserve bin {task.from_bin.code}"))
    if scan.kind != ScanKind.BIN:
        raise ReplenishmentRefused(f"scan the reserve bin {task.from_bin.code}, then the face {task.to_bin.code}")
    if not task.from_confirmed:
        if scan.code != task.from_bin.code:
            raise ReplenishmentRefused(f"wrong bin {scan.code}: take the units from {task.from_bin.code}")
        task.from_confirmed = True
        task.save(update_fields=["from_confirmed"])
        return StationReply(True, f"At {task.from_bin.code}: take {task.pending_qty or task.remaining} x {task.product.sku} "
                                  f"to the face {task.to_bin.code}", {"bin": task.from_bin.code})
    if scan.code != task.to_bin.code:
        raise ReplenishmentRefused(f"wrong bin {scan.code}: the face of {task.product.sku} is {task.to_bin.code}")
    qty = task.pending_qty or task.remaining
    task = replenishment_confirm(task=task, qty=qty, actor=actor)
    if task.status == ReplenishmentTask.Status.DONE:
        return StationReply(True, f"Moved {qty} x {task.product.sku} to {task.to_bin.code}. Task done.", {"done": True, "qty": qty})
    return StationReply(True, f"Moved {qty} x {task.product.sku} to {task.to_bin.code}. {task.remaining} left: "
                              f"back to {task.from_bin.code}", {"done": False, "qty": qty, "remaining": task.remaining})


@transaction.atomic
def replenishment_confirm(*, task: ReplenishmentTask, qty: int, actor) -> ReplenishmentTask:
    """Move `qty` units of the task from its reserve bin to its face, through the ledger."""
    task = _locked_own(task, actor)
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= task.remaining:
        raise ReplenishmentRefused(f"quantity must be between 1 and {task.remaining}, got {qty!r}")
    if not task.from_confirmed:
        raise ReplenishmentRefused(f"scan the reserve bin {task.from_bin.code} first")
    stock_move(product=task.product, from_bin=task.from_bin, to_bin=task.to_bin, qty=qty, actor=actor,
               reason=f"replenish the face ({task.get_reason_display().lower()})", reference=f"replenish:{task}")
    task.moved_qty += qty
    task.pending_qty = None
    task.from_confirmed = False  # the rest (if any) is another trip: the reserve bin is scanned again
    task.save(update_fields=["moved_qty", "pending_qty", "from_confirmed"])
    if task.remaining == 0:
        replenishment_transition(task=task, to=ReplenishmentTask.Status.DONE, actor=actor, reason="face filled",
                                 extra={"completed_at": timezone.now()})
    return task


@transaction.atomic
def replenishment_station_scan(*, warehouse: Warehouse, raw: str, actor) -> StationReply:
    """The station's one input: Enter (or CMD:NEXT) takes the next task; with one claimed, scans go to it."""
    task = ReplenishmentTask.objects.filter(warehouse=warehouse, status=ReplenishmentTask.Status.CLAIMED, claimed_by=actor).first()
    if task is not None:
        reply = replenishment_scan(task=task, raw=raw, actor=actor)
        reply.data["task_id"] = task.pk
        return reply
    if (raw or "").strip().upper() not in ("", "CMD:NEXT"):
        raise ReplenishmentRefused("press Enter to take the next replenishment task")
    task = replenishment_claim_next(warehouse=warehouse, actor=actor)
    if task is None:
        return StationReply(False, f"No replenishment task waiting in {warehouse.code}", {"code": "no_task"})
    return StationReply(True, f"Take {task.remaining} x {task.product.sku} from {task.from_bin.code} to the face "
                              f"{task.to_bin.code}", {"task_id": task.pk})


def _locked(task_id: int) -> ReplenishmentTask:
    return (ReplenishmentTask.objects.select_for_update(of=("self",), no_key=True)
            .select_related("product", "from_bin", "to_bin", "claimed_by").get(pk=task_id))


def _locked_own(task: ReplenishmentTask, actor) -> ReplenishmentTask:
    task = _locked(task.pk)
    if task.status != ReplenishmentTask.Status.CLAIMED:
        raise ReplenishmentRefused(f"{task} is {task.get_status_display().lower()}: take a task first")
    if task.claimed_by_id != getattr(actor, "pk", None):
        raise ReplenishmentRefused(f"{task} belongs to {task.claimed_by.get_username() if task.claimed_by else 'nobody'}")
    return task


def replenishment_sweep() -> dict[str, int]:
    """Beat: every warehouse with active faces gets its faces under their minimum replenished."""
    raised = {}
    for warehouse in Warehouse.objects.filter(is_active=True, pick_faces__is_active=True).distinct().order_by("pk"):
        raised[warehouse.code] = len(replenishment_raise(warehouse=warehouse, actor="replenishment sweep"))
    return raised
