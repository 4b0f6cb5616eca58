"""A merchant's own return reason codes and grades, next to the defaults."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from returns.exceptions import ReturnRefused
from returns.models import Disposition, Grade, ReasonCode


def reason_code_add(*, merchant, code: str, label: str) -> ReasonCode:
    try:
        with transaction.atomic():
            return ReasonCode.objects.create(merchant=merchant, code=code.strip().lower(), label=label.strip())
    except IntegrityError:
        raise ReturnRefused(f"reason {code!r} already exists for {merchant.code}") from None


def grade_add(*, merchant, code: str, label: str, sellable: bool, disposition: str) -> Grade:
    if disposition not in Disposition.values:
        raise ReturnRefused(f"unknown disposition {disposition!r}")
    if disposition == Disposition.RESTOCK and not sellable:
        raise ReturnRefused("a grade that is not sellable cannot restock")
    try:
        with transaction.atomic():
            return Grade.objects.create(merchant=merchant, code=code.strip().lower(), label=label.strip(),
                                        sellable=sellable, disposition=disposition)
    except IntegrityError:
        raise ReturnRefused(f"grade {code!r} already exists for {merchant.code}") from None
