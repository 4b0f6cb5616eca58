"""Invoices: a merchant's month priced with the rate card in effect, one line per charge kind, each line linked
to the billable events it sums. A draft is recomputed from the month's events as often as asked and ends the
same for the same events; issuing recomputes it once more and freezes it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import BillableEvent, ChargeKind, Invoice, InvoiceLine, InvoiceStatus, RateCard
from billing.state import invoice_transition
from core.actors import Actor, actor_label, actor_user
from core.errors import Conflict, NotFound

CENT = Decimal("0.01")
MAX_TOTAL = Decimal("1e12")  # Invoice.total and InvoiceLine.amount hold 12 digits before the point


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def rate_card_for(merchant, period_start: date) -> RateCard:
    start, end = month_bounds(period_start)
    card = (RateCard.objects.filter(merchant=merchant, effective_from__lte=start)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=end)).order_by("-effective_from").first())
    if card is None:
        raise NotFound(f"no rate card of {merchant.code} covers {start:%Y-%m}")
    return card


@dataclass(frozen=True)
class Charge:
    kind: str
    quantity: Decimal
    unit_price: Decimal | None
    amount: Decimal
    event_ids: tuple[int, ...]


def month_charges(invoice: Invoice, card: RateCard) -> list[Charge]:
    """The lines the month's events make under the card: events of the month not billed on another invoice."""
    rates = {rate.kind: rate.unit_price for rate in card.rates.all()}
    events = (BillableEvent.objects.filter(merchant_id=invoice.merchant_id, day__gte=invoice.period_start,
                                           day__lte=invoice.period_end)
              .filter(Q(invoice_line__isnull=True) | Q(invoice_line__invoice=invoice))
              .order_by("pk").values_list("pk", "kind", "quantity", "unit_price"))
    quantities: dict[str, Decimal] = {}
    projects = Decimal(0)
    ids: dict[str, list[int]] = {}
    for pk, kind, quantity, unit_price in events:
        if kind == ChargeKind.SPECIAL_PROJECT:
            projects += money(quantity * (unit_price or Decimal(0)))
        elif kind not in rates:
            continue  # the card does not charge for it
        quantities[kind] = quantities.get(kind, Decimal(0)) + quantity
        ids.setdefault(kind, []).append(pk)
    charges = []
    for kind in ChargeKind.values:
        if kind not in ids:
            continue
        if kind == ChargeKind.SPECIAL_PROJECT:
            charges.append(Charge(kind, quantities[kind], None, projects, tuple(ids[kind])))
        else:
            charges.append(Charge(kind, quantities[kind], rates[kind], money(quantities[kind] * rates[kind]),
                                  tuple(ids[kind])))
    subtotal = sum((charge.amount for charge in charges), Decimal(0))
    if subtotal >= MAX_TOTAL:
        raise Conflict(f"the month comes to {subtotal}, more than an invoice holds: check the special projects")
    if card.minimum_monthly > subtotal:
        top_up = money(card.minimum_monthly - subtotal)
        charges.append(Charge(ChargeKind.MINIMUM, Decimal(1), top_up, top_up, ()))
    return charges


def _recompute(invoice: Invoice, card: RateCard, actor: Actor) -> bool:
    """Bring a locked draft's lines and totals to what its month's events make; True when anything changed."""
    charges = month_charges(invoice, card)
    existing = {line.kind: line for line in invoice.lines.all()}
    changed = False
    wanted = {charge.kind for charge in charges}
    stale = [line.pk for kind, line in existing.items() if kind not in wanted]
    if stale:
        InvoiceLine.objects.filter(pk__in=stale).delete()  # their events are let go (SET_NULL)
        changed = True
    for charge in charges:
        line = existing.get(charge.kind)
        values: dict[str, object] = {"quantity": charge.quantity, "unit_price": charge.unit_price, "amount": charge.amount,
                  "events": len(charge.event_ids)}
        if line is None:
            line = InvoiceLine.objects.create(invoice=invoice, kind=charge.kind, **values)
            changed = True
        elif any(getattr(line, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(line, field, value)
            line.save(update_fields=list(values))
            changed = True
        linked = BillableEvent.objects.filter(pk__in=charge.event_ids).exclude(invoice_line=line).update(invoice_line=line)
        released = BillableEvent.objects.filter(invoice_line=line).exclude(pk__in=charge.event_ids).update(invoice_line=None)
        changed = changed or bool(linked or released)
    dropped = BillableEvent.objects.filter(invoice_line__invoice=invoice).exclude(
        pk__in=[pk for charge in charges for pk in charge.event_ids]).update(invoice_line=None)
    subtotal = sum((charge.amount for charge in charges if charge.kind != ChargeKind.MINIMUM), Decimal(0))
    total = sum((charge.amount for charge in charges), Decimal(0))
    header: dict[str, object] = {"subtotal": subtotal, "total": total, "rate_card_id": card.pk, "currency": card.currency}
    if changed or dropped or any(getattr(invoice, field) != value for field, value in header.items()):
        for field, value in header.items():
            setattr(invoice, field, value)
        invoice.computed_at, invoice.computed_by = timezone.now(), actor_label(actor)
        invoice.save(update_fields=[*header, "computed_at", "computed_by"])
        return True
    return False


def _locked(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",), no_key=True).get(pk=invoice_id)


def invoice_generate(*, merchant, month: date, actor: Actor) -> Invoice:
    """The merchant's invoice for the month, created or (a draft) recomputed; an issued invoice is refused."""
    start, end = month_bounds(month)
    if start > timezone.localdate():
        raise Conflict(f"{start:%Y-%m} has not begun")
    card = rate_card_for(merchant, start)
    with transaction.atomic():
        Invoice.objects.bulk_create([Invoice(
            merchant=merchant, period_start=start, period_end=end, number=f"INV-{merchant.code.upper()}-{start:%Y%m}",
            rate_card=card, currency=card.currency, computed_at=timezone.now(), computed_by=actor_label(actor),
        )], ignore_conflicts=True)
        invoice = Invoice.objects.select_for_update(of=("self",), no_key=True).get(merchant=merchant, period_start=start)
        if invoice.status == InvoiceStatus.ISSUED:
            raise Conflict(f"invoice {invoice.number} is issued: it never changes")
        _recompute(invoice, card, actor)
        return invoice


def invoice_issue(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Recompute the draft from its month's events one last time and issue it; from then on it never changes."""
    with transaction.atomic():
        invoice = _locked(invoice.pk)
        if invoice.status == InvoiceStatus.DRAFT:
            _recompute(invoice, rate_card_for(invoice.merchant, invoice.period_start), actor)
        invoice_transition(invoice=invoice, to=InvoiceStatus.ISSUED,
                           extra={"issued_at": timezone.now(), "issued_by": actor_user(actor)})
        return invoice
