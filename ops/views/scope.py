"""The filters every dashboard, list and export reads: facility, merchant, window. Bad values answer 400."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms

from inventory.models import Merchant
from layout.models import Warehouse
from ops.selectors.windows import DEFAULT_WINDOW, WINDOWS, Window, window_bounds


class ScopeForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(is_active=True), to_field_name="code",
                                       required=False, empty_label="All facilities")
    merchant = forms.ModelChoiceField(queryset=Merchant.objects.order_by("name"), to_field_name="code", required=False,
                                      empty_label="All merchants")
    window = forms.ChoiceField(choices=list(WINDOWS.items()), required=False)


@dataclass(frozen=True)
class Scope:
    warehouse: Warehouse | None
    merchant: Merchant | None
    window: Window
    form: ScopeForm

    @property
    def kwargs(self) -> dict:
        return {"warehouse": self.warehouse, "merchant": self.merchant}

    def query(self, **extra) -> str:
        params = {"window": self.window.name}
        if self.warehouse:
            params["warehouse"] = self.warehouse.code
        if self.merchant:
            params["merchant"] = self.merchant.code
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


class BadScope(Exception):
    def __init__(self, form: ScopeForm):
        super().__init__("; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
        self.form = form


def scope_from(request) -> Scope:
    form = ScopeForm(request.GET or None)
    if request.GET and not form.is_valid():
        raise BadScope(form)
    data = form.cleaned_data if request.GET else {}
    return Scope(warehouse=data.get("warehouse"), merchant=data.get("merchant"),
                 window=window_bounds(data.get("window") or DEFAULT_WINDOW), form=form)
