"""Returns background work: the daily flush proposal and the sweep for return labels left half-bought."""

from __future__ import annotations

from celery import shared_task

from layout.models import Warehouse


@shared_task(name="returns.propose_flush_batches", acks_late=True)
def propose_flush_batches() -> int:
    from returns.services.flush import flush_batch_propose

    return sum(1 for warehouse in Warehouse.objects.filter(is_active=True).order_by("pk")
               if flush_batch_propose(warehouse=warehouse) is not None)


@shared_task(name="returns.buy_return_label", acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True,
             max_retries=5)
def buy_return_label(rma_id: int) -> str:
    from returns.models import ReturnAuthorization
    from returns.services.labels import rma_label_buy

    rma = ReturnAuthorization.objects.filter(pk=rma_id).first()
    if rma is None or rma.label_status == ReturnAuthorization.LabelStatus.BOUGHT:
        return "nothing to buy"
    return rma_label_buy(rma=rma, actor="return label job").label_status


@shared_task(name="returns.sweep_return_labels", acks_late=True)
def sweep_return_labels() -> int:
    from returns.services.labels import stale_label_ids

    ids = stale_label_ids()
    for rma_id in ids:
        buy_return_label.delay(rma_id)
    return len(ids)
