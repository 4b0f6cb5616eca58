"""Billing forms: every value checked against its column before a service sees it; a bad one is a 400 or a
message, never a 500."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from billing.models import RATED_KINDS, ChargeKind
from billing.selectors import merchants_billable_by
from inventory.tenancy import warehouses_visible_to

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> dt.date | None:
    found = MONTH.match(value or "")
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=7, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError("a month as YYYY-MM")
        return month


class _MerchantForm(forms.Form):
    merchant = forms.ChoiceField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.merchants = merchants_billable_by(user)
        self.fields["merchant"].choices = list(self.merchants.values_list("code", "name"))

    def clean_merchant(self):
        return self.merchants.get(code=self.cleaned_data["merchant"])


class GenerateForm(_MerchantForm):
    month = MonthField(help_text="YYYY-MM")


def _price_field(label: str, *, required: bool = False, places: int = 4) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=places,
                              validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("99999999"))])


class RateCardForm(_MerchantForm):
    effective_from = MonthField(label="From (month)")
    effective_to = MonthField(label="To (month, optional)", required=False)
    currency = forms.RegexField(regex=r"^[A-Z]{3}$", max_length=3, initial="USD")
    minimum_monthly = _price_field("Minimum monthly charge", required=True, places=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in RATED_KINDS:
            self.fields[f"rate_{kind}"] = _price_field(ChargeKind(kind).label)

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end:
            if end < start:
                raise forms.ValidationError("the card ends before it starts")
            data["effective_to"] = end.replace(day=calendar.monthrange(end.year, end.month)[1])
        return data

    def rates(self) -> dict[str, Decimal]:
        return {kind: self.cleaned_data[f"rate_{kind}"] for kind in RATED_KINDS
                if self.cleaned_data.get(f"rate_{kind}") is not None}

    def rate_fields(self):
        return [self[f"rate_{kind}"] for kind in RATED_KINDS]


class ProjectForm(_MerchantForm):
    warehouse = forms.ChoiceField(required=False)
    day = forms.DateField()
    description = forms.CharField(max_length=200)
    quantity = forms.DecimalField(max_digits=15, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = _price_field("Unit price", required=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.warehouses = warehouses_visible_to(user)
        self.fields["warehouse"].choices = [("", "–"), *self.warehouses.order_by("code").values_list("code", "code")]

    def clean_warehouse(self):
        code = self.cleaned_data.get("warehouse")
        return self.warehouses.get(code=code) if code else None
