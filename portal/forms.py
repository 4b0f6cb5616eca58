"""The portal's input shapes. They only parse; the inbound and returns services decide and write."""

from __future__ import annotations

from django import forms

from core.errors import DomainError
from layout.models import Warehouse
from returns.services.rmas import RequestedLine
from warehouse.inbound.services.purchase_orders import ExpectedLine
from warehouse.models import PurchaseOrder

MAX_LINES = 500


class PurchaseOrderForm(forms.Form):
    kind = forms.ChoiceField(choices=PurchaseOrder.Kind.choices, initial=PurchaseOrder.Kind.ASN)
    number = forms.CharField(max_length=40)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(is_active=True).order_by("code"),
                                       to_field_name="code")
    supplier = forms.CharField(max_length=200, required=False)
    expected_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    lines = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=40_000,
                            help_text="One “SKU, quantity” per line")

    def clean_lines(self) -> list[ExpectedLine]:
        lines = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not raw.strip():
                continue
            sku, _, qty = raw.replace("\t", ",").partition(",")
            if not qty.strip().isdigit() or int(qty) < 1:
                raise forms.ValidationError(f"line {number}: a quantity is a whole number of at least 1, got {qty.strip()!r}")
            lines.append(ExpectedLine(sku=sku.strip(), qty=int(qty)))
        if not lines:
            raise forms.ValidationError("list at least one “SKU, quantity” line")
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(f"at most {MAX_LINES} lines per document")
        return lines


def requested_lines(data, order_lines) -> list[RequestedLine]:
    """The lines of a return form: `qty_<line id>`, `reason_<line id>`, `exchange_<line id>` per order line."""
    wanted = []
    for line in order_lines:
        raw = (data.get(f"qty_{line.pk}") or "0").strip()
        if not raw.isdigit():
            raise DomainError(f"{line.sku}: a quantity is a whole number, got {raw[:20]!r}")
        if int(raw):
            wanted.append(RequestedLine(order_line_id=line.pk, qty=int(raw),
                                        reason=(data.get(f"reason_{line.pk}") or "changed_mind")[:40],
                                        exchange_sku=(data.get(f"exchange_{line.pk}") or "").strip()[:64]))
    return wanted
