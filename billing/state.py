"""The invoice lifecycle, and the one service that moves an invoice along it."""

from __future__ import annotations

from billing.models import Invoice, InvoiceStatus
from core.lifecycle import Lifecycle

S = InvoiceStatus
INVOICE = Lifecycle("invoice", InvoiceStatus, {
    S.DRAFT: {S.ISSUED},
    S.ISSUED: set(),
})


def invoice_transition(*, invoice: Invoice, to: str, extra: dict | None = None) -> str:
    """Move a locked invoice along its table."""
    return INVOICE.apply(invoice, to, extra=extra, label=invoice.number)
