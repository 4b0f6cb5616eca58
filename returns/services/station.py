"""The return receiving and grading station: one input, scan after scan, the server keeps the state
(the open parcel, the unit being graded, the grade chosen). The happy path needs no click:

    RMA:R-000123 (or the return label)  -> parcel open
    item barcode                        -> unit received, matched to its line (or a wrong item)
    F1 / F2 / F3 (CMD:GRADE:<code>)     -> grade; the destination is proposed by the merchant's rules
    Enter                               -> confirmed (or BIN:<code> to restock elsewhere, F5-F10 another destination)

When every unit of the return is graded, the parcel closes itself; CMD:DONE closes a short parcel."""

from __future__ import annotations

from layout.models import Bin
from returns.exceptions import ReturnRefused
from returns.models import (
    Disposition,
    ParcelStatus,
    ReturnParcel,
    ReturnUnit,
    UnitStatus,
)
from returns.services.grading import (
    disposition_for,
    grade_for,
    restock_bin_for,
    unit_grade,
)
from returns.services.receiving import parcel_finish, parcel_receive, unit_receive
from returns.services.setup import returns_bins
from warehouse.scanning import ScanKind, parse_scan
from warehouse.services.station_scans import StationReply

DISPOSITION_KEYS = {"F5": Disposition.REFURBISH, "F6": Disposition.LIQUIDATE, "F7": Disposition.DONATE,
                    "F8": Disposition.DESTROY, "F9": Disposition.RETURN_TO_VENDOR, "F10": Disposition.RESTOCK}
COMMANDS_HELP = ("F1-F3 grade · Enter accepts the proposed destination · BIN:<code> restocks there · "
                 "F5 refurbish, F6 liquidate, F7 donate, F8 destroy, F9 vendor, F10 restock · CMD:DONE closes a short parcel · "
                 "CMD:CANCEL drops the grade")


def _state(parcel=None, unit=None, grade="", notes="", proposal="") -> dict:
    return {"state": {"parcel": parcel, "unit": unit, "grade": grade, "notes": notes, "proposal": proposal}}


def return_station_scan(*, warehouse, state: dict | None, raw: str, actor) -> StationReply:
    state = dict(state or {})
    parcel_id, unit_id, grade_code = state.get("parcel"), state.get("unit"), state.get("grade") or ""
    text = (raw or "").strip()
    if text.upper().startswith("NOTE:"):
        notes = text[5:].strip()[:500]
        return StationReply(True, f"Note kept for the unit: {notes}",
                            _state(parcel_id, unit_id, grade_code, notes, state.get("proposal") or ""))
    if parcel_id is None:
        return _parcel(warehouse, raw, actor)
    parcel = ReturnParcel.objects.select_related("rma").filter(pk=parcel_id).first()
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        return StationReply(True, "The parcel is done. Scan the next parcel.", _state())
    scan = parse_scan(text) if text else None
    command = scan.code if scan is not None and scan.kind == ScanKind.COMMAND else ""
    if unit_id is None:
        if command == "DONE":
            parcel_finish(parcel=parcel, actor=actor)
            return StationReply(True, f"Parcel {parcel.pk} finished; return {parcel.rma.number} is graded. Scan the next parcel.",
                                _state())
        if scan is None or command:
            raise ReturnRefused("scan an item from the parcel (or CMD:DONE when it is empty)")
        unit = unit_receive(parcel=parcel, raw=text, actor=actor)
        what = unit.product.sku if unit.product else unit.barcode
        grades = ", ".join(f"{g.key} {g.label}" for g in _grades(parcel.rma.merchant_id) if g.key)
        if unit.wrong_item:
            return StationReply(True, f"WRONG ITEM: {what} is not expected on {parcel.rma.number}. Grade it anyway: {grades}",
                                {**_state(parcel.pk, unit.pk), "wrong_item": True, "sku": what})
        return StationReply(True, f"{what}: grade it ({grades})", {**_state(parcel.pk, unit.pk), "sku": what})
    unit = ReturnUnit.objects.select_related("rma__warehouse", "product", "line__reason").filter(
        pk=unit_id, parcel=parcel, status=UnitStatus.PENDING).first()
    if unit is None:
        return StationReply(True, "That unit is already graded. Scan the next item.", _state(parcel.pk))
    if command == "CANCEL":
        return StationReply(True, "Grade dropped: grade the unit again.", _state(parcel.pk, unit.pk))
    if not grade_code:
        if not command.startswith("GRADE:"):
            raise ReturnRefused("grade the unit first: press F1, F2 or F3")
        grade = grade_for(unit.rma.merchant_id, command.removeprefix("GRADE:"))
        proposal, where = _proposal(unit, grade)
        return StationReply(True, f"{grade.label}: {Disposition(proposal).label} to {where}. Enter to confirm.",
                            _state(parcel.pk, unit.pk, grade.code, state.get("notes", ""), proposal))
    disposition, to_bin = state.get("proposal") or None, None
    if scan is not None and scan.kind == ScanKind.BIN:
        to_bin = Bin.objects.filter(warehouse=unit.rma.warehouse, code=scan.code).first()
        if to_bin is None:
            raise ReturnRefused(f"no bin {scan.code} in {unit.rma.warehouse.code}")
        disposition = Disposition.RESTOCK
    elif command.startswith("DISP:"):
        disposition = command.removeprefix("DISP:").lower()
    elif scan is not None:
        raise ReturnRefused("confirm the destination first: Enter, a bin, or a destination key")
    unit = unit_grade(unit=unit, grade_code=grade_code, disposition=disposition, to_bin=to_bin, notes=state.get("notes", ""),
                      actor=actor)
    parcel.refresh_from_db()
    where = unit.to_bin.code if unit.to_bin else "the parcel shelf"
    done = parcel.status != ParcelStatus.OPEN
    message = f"{unit.grade.label} → {Disposition(unit.disposition).label} to {where}." + (
        f" Return {parcel.rma.number} is graded. Scan the next parcel." if done else " Scan the next item.")
    return StationReply(True, message, {**_state(None if done else parcel.pk), "to_bin": where,
                                        "disposition": unit.disposition})


def _parcel(warehouse, raw: str, actor) -> StationReply:
    parcel = parcel_receive(warehouse=warehouse, raw=raw, actor=actor)
    if parcel.status == ParcelStatus.UNMATCHED:
        queued = ReturnParcel.objects.filter(warehouse=warehouse, status=ParcelStatus.UNMATCHED).count()
        return StationReply(True, f"UNEXPECTED PARCEL: put it on {parcel.holding_bin.code} "
                            f"(parcel {parcel.pk}, {queued} waiting to be matched). {parcel.note}",
                            {**_state(), "unmatched": parcel.pk})
    rma = parcel.rma
    expected = ", ".join(f"{line.qty - line.received_qty} x {line.product.sku}"
                         for line in rma.lines.select_related("product") if line.qty > line.received_qty)
    return StationReply(True, f"Return {rma.number} ({rma.get_resolution_display()}): scan the items. Expected: {expected}",
                        _state(parcel.pk))


def _grades(merchant_id):
    from returns.services.grading import grades_for

    return sorted(grades_for(merchant_id), key=lambda g: (len(g.key or "ZZZ"), g.key or "ZZZ", g.code))


def _proposal(unit: ReturnUnit, grade) -> tuple[str, str]:
    reason = unit.line.reason.code if unit.line_id else ""
    disposition = disposition_for(merchant_id=unit.rma.merchant_id, grade=grade, reason_code=reason)
    if unit.product_id is None:
        return (Disposition.DESTROY if disposition == Disposition.RESTOCK else disposition), "the parcel shelf"
    if disposition == Disposition.RESTOCK:
        target = restock_bin_for(unit)
        return disposition, target.code if target else "a bin you scan"
    return disposition, returns_bins(unit.rma.warehouse).holding.code


def station_state_summary(state: dict | None) -> dict:
    """What the panel shows: the open parcel and its units, the unit being graded."""
    state = state or {}
    context: dict = {"grade_code": state.get("grade") or ""}
    if state.get("parcel"):
        parcel = ReturnParcel.objects.select_related("rma__merchant", "rma__order").filter(pk=state["parcel"]).first()
        if parcel and parcel.status == ParcelStatus.OPEN:
            context["parcel"] = parcel
            context["lines"] = parcel.rma.lines.select_related("product", "reason")
            context["units"] = parcel.units.select_related("product", "grade", "to_bin").order_by("-pk")[:30]
            context["grades"] = _grades(parcel.rma.merchant_id)
    if state.get("unit") and "parcel" in context:
        context["unit"] = ReturnUnit.objects.select_related("product").filter(pk=state["unit"], status=UnitStatus.PENDING).first()
    return context
