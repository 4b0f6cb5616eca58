"""The returns app's domain events: a return's parcel arrived (return.received) and every unit of it was graded
(return.graded). Recorded under the RMA's lock in the transaction of the change; payloads in docs/EVENTS.md."""

from __future__ import annotations

from typing import Any

from core.events import event_record
from core.models import EventKind
from returns.models import ReturnAuthorization, ReturnLine, ReturnParcel, ReturnUnit, UnitStatus


def _body(rma: ReturnAuthorization) -> dict[str, Any]:
    return {"return_id": rma.pk, "reference": rma.number, "order_id": rma.order_id,
            "order_number": rma.order.order_number, "warehouse": rma.warehouse.code, "resolution": rma.resolution}


def return_received_event(*, rma: ReturnAuthorization, parcel: ReturnParcel) -> None:
    """A parcel of the return is on the bench (the caller holds the RMA's lock)."""
    expected = ReturnLine.objects.filter(rma=rma).select_related("product").order_by("pk")
    body = _body(rma) | {
        "parcel_id": parcel.pk, "carrier": parcel.carrier, "tracking_number": parcel.tracking_number,
        "units_expected": sum(line.qty for line in expected),
        "lines": [{"sku": line.product.sku, "qty": line.qty} for line in expected],
        "received_at": parcel.received_at.isoformat() if parcel.received_at else None,
    }
    event_record(EventKind.RETURN_RECEIVED, merchant_id=rma.merchant_id, warehouse_id=rma.warehouse_id,
                 resource_type="return", resource_id=rma.pk, payload=body)


def return_graded_event(*, rma: ReturnAuthorization) -> None:
    """Every unit that came back is graded (the caller holds the RMA's lock): units by grade and disposition."""
    units = list(ReturnUnit.objects.filter(rma=rma, status=UnitStatus.GRADED).select_related("grade", "product")
                 .order_by("pk"))
    grades: dict[str, int] = {}
    dispositions: dict[str, int] = {}
    for unit in units:
        code = unit.grade.code if unit.grade is not None else "ungraded"
        grades[code] = grades.get(code, 0) + 1
        if unit.disposition:
            dispositions[unit.disposition] = dispositions.get(unit.disposition, 0) + 1
    body = _body(rma) | {
        "units": len(units), "grades": grades, "dispositions": dispositions,
        "wrong_items": sum(1 for unit in units if unit.wrong_item),
        "unit_details": [{"sku": unit.product.sku if unit.product is not None else None, "barcode": unit.barcode,
                          "grade": unit.grade.code if unit.grade is not None else None, "disposition": unit.disposition,
                          "wrong_item": unit.wrong_item} for unit in units],
    }
    event_record(EventKind.RETURN_GRADED, merchant_id=rma.merchant_id, warehouse_id=rma.warehouse_id,
                 resource_type="return", resource_id=rma.pk, payload=body)
