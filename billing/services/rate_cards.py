"""Rate cards: what a merchant pays per charge kind, for whole months."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from billing.models import RATED_KINDS, Invoice, InvoiceStatus, Rate, RateCard
from billing.services.recording import BillingRefused
from core.actors import Actor, actor_user
from core.errors import Conflict

RATE_CARD_LOCK_NAMESPACE = 2101  # pg_advisory_xact_lock(namespace, merchant id): one card change per merchant at a time
MAX_PRICE = Decimal("1e8")


def _validate(*, effective_from: date, effective_to: date | None, currency: str, minimum_monthly: Decimal,
              rates: dict[str, Decimal]) -> None:
    if effective_from.day != 1:
        raise BillingRefused("a rate card starts on the first day of a month")
    if effective_to is not None:
        if effective_to.day != calendar.monthrange(effective_to.year, effective_to.month)[1]:
            raise BillingRefused("a rate card ends on the last day of a month")
        if effective_to < effective_from:
            raise BillingRefused("a rate card ends after it starts")
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha() or not currency.isupper():
        raise BillingRefused("the currency is a three-letter ISO code, such as USD")
    for name, value in (("minimum monthly charge", minimum_monthly), *rates.items()):
        if not Decimal(0) <= value < MAX_PRICE or value != value.quantize(Decimal("0.0001")):
            raise BillingRefused(f"{name}: a price of 0 or more with at most 4 decimal places")
    if minimum_monthly != minimum_monthly.quantize(Decimal("0.01")):
        raise BillingRefused("the minimum monthly charge is in cents")
    unknown = set(rates) - set(RATED_KINDS)
    if unknown:
        raise BillingRefused(f"no such charge: {', '.join(sorted(unknown))}")


def rate_card_create(*, merchant, effective_from: date, effective_to: date | None, currency: str,
                     minimum_monthly: Decimal, rates: dict[str, Decimal], actor: Actor) -> RateCard:
    """A new card for months no other card of the merchant covers and no issued invoice has billed."""
    _validate(effective_from=effective_from, effective_to=effective_to, currency=currency,
              minimum_monthly=minimum_monthly, rates=rates)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RATE_CARD_LOCK_NAMESPACE, merchant.pk])
        overlapping = RateCard.objects.filter(merchant=merchant).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from))
        if effective_to is not None:
            overlapping = overlapping.filter(effective_from__lte=effective_to)
        clash = overlapping.order_by("effective_from").first()
        if clash is not None:
            until = f" to {clash.effective_to:%Y-%m}" if clash.effective_to else " on"
            raise Conflict(f"the card from {clash.effective_from:%Y-%m}{until} already covers these months")
        issued = Invoice.objects.filter(merchant=merchant, status=InvoiceStatus.ISSUED, period_start__gte=effective_from)
        if effective_to is not None:
            issued = issued.filter(period_start__lte=effective_to)
        if issued.exists():
            raise Conflict("an issued invoice already bills one of these months")
        card = RateCard.objects.create(merchant=merchant, effective_from=effective_from, effective_to=effective_to,
                                       currency=currency, minimum_monthly=minimum_monthly,
                                       created_by=actor_user(actor))
        Rate.objects.bulk_create([Rate(card=card, kind=kind, unit_price=price) for kind, price in sorted(rates.items())])
        return card
