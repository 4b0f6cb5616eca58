"""The prepaid return label: intent recorded, carrier called with no transaction open, result recorded.

A purchase whose process died between the call and the record stays `requested`; the beat sweep retries
it after LABEL_STALE (the sandbox and the EasyPost-style API both give a fresh label, and the first one
is simply never used)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from core.actors import actor_label
from core.errors import DomainError
from returns.exceptions import LabelInFlight, ReturnRefused
from returns.locks import lock_rma
from returns.models import LabelStatus, ReturnAuthorization, ReturnEvent, RmaStatus
from shipping.carriers.base import Parcel
from shipping.services.return_labels import return_label_buy

LABEL_STALE = dt.timedelta(minutes=10)


def rma_label_buy(*, rma: ReturnAuthorization, actor, parcel: Parcel | None = None) -> ReturnAuthorization:
    if transaction.get_connection().in_atomic_block:
        raise RuntimeError("rma_label_buy calls a carrier: run it outside any transaction")
    reference = _claim(rma.pk, actor)
    rma = ReturnAuthorization.objects.select_related("order__merchant", "warehouse").get(pk=rma.pk)
    parcel = parcel or _parcel_for(rma)
    try:
        label = return_label_buy(order=rma.order, warehouse=rma.warehouse, parcel=parcel, reference=rma.code)
    except DomainError as exc:
        return _record_failure(rma.pk, reference, exc.message, actor)
    except Exception as exc:  # an unexpected carrier answer: recorded, retried by hand or by the sweep
        return _record_failure(rma.pk, reference, f"{type(exc).__name__}: {exc}", actor)
    with transaction.atomic():
        rma = lock_rma(rma.pk)
        if rma.label_reference != reference or rma.label_status != LabelStatus.REQUESTED:
            return rma  # another purchase took over after our claim went stale
        rma.label_status, rma.label_error = LabelStatus.BOUGHT, ""
        rma.carrier, rma.service, rma.tracking_number = label.carrier, label.service, label.tracking_number
        rma.label_cost, rma.label_pdf, rma.label_zpl = label.amount, label.pdf, label.zpl
        rma.save(update_fields=["label_status", "label_error", "carrier", "service", "tracking_number", "label_cost",
                                "label_pdf", "label_zpl", "updated_at"])
        ReturnEvent.objects.create(rma=rma, kind="label", actor_label=actor_label(actor),
                                   message=f"Return label {label.carrier} {label.service} {label.tracking_number}")
    return rma


def _claim(rma_id: int, actor) -> str:
    with transaction.atomic():
        rma = lock_rma(rma_id)
        if rma.status not in (RmaStatus.AUTHORIZED, RmaStatus.IN_TRANSIT):
            raise ReturnRefused(f"return {rma.number} is {rma.get_status_display().lower()}: a label needs an authorized return")
        if rma.label_status == LabelStatus.BOUGHT:
            raise ReturnRefused(f"return {rma.number} already has a label ({rma.carrier} {rma.tracking_number})")
        if rma.label_status == LabelStatus.REQUESTED and rma.updated_at > timezone.now() - LABEL_STALE:
            raise LabelInFlight(f"a label for return {rma.number} is being bought")
        reference = uuid.uuid4().hex
        rma.label_status, rma.label_reference = LabelStatus.REQUESTED, reference
        rma.save(update_fields=["label_status", "label_reference", "updated_at"])
    return reference


def _record_failure(rma_id: int, reference: str, error: str, actor) -> ReturnAuthorization:
    with transaction.atomic():
        rma = lock_rma(rma_id)
        if rma.label_reference == reference and rma.label_status == LabelStatus.REQUESTED:
            rma.label_status, rma.label_error = LabelStatus.FAILED, error[:500]
            rma.save(update_fields=["label_status", "label_error", "updated_at"])
            ReturnEvent.objects.create(rma=rma, kind="label_failed", message=f"Return label refused: {error}"[:500],
                                       actor_label=actor_label(actor))
    return rma


def _parcel_for(rma: ReturnAuthorization) -> Parcel:
    lines = list(rma.lines.select_related("product"))
    weight = sum(line.product.weight_g * line.qty for line in lines) + 150  # box and filling
    side = max([line.product.length_mm for line in lines] + [200])
    return Parcel(weight_g=max(weight, 100), length_mm=side, width_mm=max([line.product.width_mm for line in lines] + [150]),
                  height_mm=max(sum(line.product.height_mm * line.qty for line in lines), 50))


def stale_label_ids() -> list[int]:
    cutoff = timezone.now() - LABEL_STALE
    return list(ReturnAuthorization.objects.filter(label_status=LabelStatus.REQUESTED, updated_at__lt=cutoff)
                .values_list("pk", flat=True)[:100])
