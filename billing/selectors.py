"""What each reader may see of billing: staff the invoices and rate cards of the merchants in their scope (every
status), a merchant's own users and tokens only their merchant's issued invoices."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import BillableEvent, Invoice, InvoiceLine, InvoiceStatus, RateCard
from inventory.models import Merchant
from inventory.selectors import merchant_of
from inventory.tenancy import staff_scoped


def invoices_visible_to(user) -> QuerySet[Invoice]:
    rows = Invoice.objects.visible_to(user).select_related("merchant", "rate_card")
    if merchant_of(user) is not None:
        rows = rows.filter(status=InvoiceStatus.ISSUED)  # a draft is the 3PL's working copy
    return rows.order_by("-period_start", "merchant__name", "pk")


def invoice_lines(invoice: Invoice) -> QuerySet[InvoiceLine]:
    return invoice.lines.order_by("pk")


def lines_visible_to(user) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice__in=invoices_visible_to(user).values("pk")).select_related("invoice__merchant")


def line_events(line: InvoiceLine) -> QuerySet[BillableEvent]:
    return (BillableEvent.objects.filter(invoice_line=line).select_related("warehouse", "source_event", "entered_by")
            .order_by("day", "pk"))


def invoice_events(invoice: Invoice) -> QuerySet[BillableEvent]:
    return (BillableEvent.objects.filter(invoice_line__invoice=invoice).select_related("warehouse", "invoice_line")
            .order_by("invoice_line_id", "day", "pk"))


def rate_cards_visible_to(user) -> QuerySet[RateCard]:
    return (RateCard.objects.visible_to(user).select_related("merchant").prefetch_related("rates")
            .order_by("merchant__name", "-effective_from"))


def merchants_billable_by(user) -> QuerySet[Merchant]:
    return staff_scoped(Merchant.objects.order_by("name"), user, merchant="pk")


def projects_visible_to(user) -> QuerySet[BillableEvent]:
    return (BillableEvent.objects.visible_to(user).filter(kind="special_project")
            .select_related("merchant", "warehouse", "entered_by", "invoice_line__invoice").order_by("-day", "-pk"))
