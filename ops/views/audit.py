"""The audit log page: who did what, filtered, paginated, and as a streamed CSV of the same rows."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.access import area_required
from core.models import AuditAction
from inventory.models import Merchant
from inventory.tenancy import staff_scoped, warehouses_visible_to
from ops.selectors.audit import AuditFilters, audit_entries
from ops.views.lists import _cell, _Echo

AREA = "audit"
PER_PAGE = 50


class AuditFilterForm(forms.Form):
    """Every value is checked against its column before it reaches a query; a bad one answers 400."""

    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    actor = forms.CharField(max_length=150, required=False)
    object = forms.CharField(max_length=200, required=False, label="Object (name or id)")
    object_type = forms.CharField(max_length=100, required=False, label="Object type")
    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
    merchant = forms.ChoiceField(required=False)
    warehouse = forms.ChoiceField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        merchants = staff_scoped(Merchant.objects.order_by("name"), user, merchant="pk").values_list("code", "name")
        self.fields["merchant"].choices = [("", "All merchants"), *merchants]
        warehouses = warehouses_visible_to(user).order_by("code").values_list("code", "code")
        self.fields["warehouse"].choices = [("", "All facilities"), *warehouses]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("the 'from' date is after the 'to' date")
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            action=data.get("action") or "", actor=(data.get("actor") or "").strip(),
            object=(data.get("object") or "").strip(), object_type=(data.get("object_type") or "").strip(),
            date_from=data.get("date_from"), date_to=data.get("date_to"), merchant=data.get("merchant") or "",
            warehouse=data.get("warehouse") or "",
        )

    def query(self) -> str:
        return urlencode({k: v for k, v in self.data.items() if k in self.fields and v})


def _form_or_400(request) -> AuditFilterForm | HttpResponseBadRequest:
    form = AuditFilterForm({k: v for k, v in request.GET.items() if k != "page"}, user=request.user)
    if not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in form.errors.items())
        return HttpResponseBadRequest(f"Bad filter: {errors}", content_type="text/plain; charset=utf-8")
    return form


@area_required(AREA)
def audit_list(request):
    form = _form_or_400(request)
    if isinstance(form, HttpResponseBadRequest):
        return form
    page = Paginator(audit_entries(user=request.user, filters=form.filters()), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ops/audit_list.html", {"form": form, "page": page, "query": form.query()})


HEADER = ["at", "actor", "action", "object_type", "object_id", "object", "merchant", "warehouse", "details"]


@area_required(AREA)
def audit_export(request):
    form = _form_or_400(request)
    if isinstance(form, HttpResponseBadRequest):
        return form
    rows = audit_entries(user=request.user, filters=form.filters())
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow(HEADER)
        for entry in rows.iterator(chunk_size=1000):
            yield writer.writerow([_cell(value) for value in (
                entry.at, entry.actor_label, entry.action, entry.object_type, entry.object_id, entry.object_label,
                entry.merchant.code if entry.merchant else "", entry.warehouse.code if entry.warehouse else "",
                entry.details,
            )])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
