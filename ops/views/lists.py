"""The rows behind a dashboard figure, as a page and as a streamed CSV of every table."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from core import timefmt
from core.access import area_required
from ops.selectors import (
    discrepancies_by_age,
    facility_capacity,
    facility_throughput,
    fulfillments_at_risk,
    fulfillments_due_today,
    fulfillments_shipped,
    fulfillments_shipped_late,
    order_to_ship_times,
    picker_throughput,
    queue_fulfillments,
    work_queues,
    zone_utilisation,
)
from ops.selectors.capacity import QUEUES
from ops.views.scope import BadScope, Scope, scope_from

AREA = "dashboards"
KPIS = {
    "due_today": "Due today (open, ship-by before midnight)",
    "at_risk": "At risk of missing the ship-by",
    "shipped": "Shipped in the window",
    "late": "Shipped after the ship-by",
    **{f"queue_{key}": f"Queue: {label}" for key, label, _status in QUEUES},
}


class BadRequest(Exception):
    pass


def fulfillments_for(scope: Scope, kpi: str):
    if kpi == "due_today":
        rows = fulfillments_due_today(**scope.kwargs)
    elif kpi == "at_risk":
        rows = fulfillments_at_risk(**scope.kwargs)
    elif kpi == "shipped":
        rows = fulfillments_shipped(**scope.kwargs, window=scope.window)
    elif kpi == "late":
        rows = fulfillments_shipped_late(**scope.kwargs, window=scope.window)
    elif kpi.startswith("queue_") and kpi in KPIS:
        rows = queue_fulfillments(kpi.removeprefix("queue_"), **scope.kwargs)
    else:
        raise BadRequest(f"unknown figure {kpi!r}: one of {', '.join(KPIS)}")
    return rows.select_related("order__merchant", "warehouse").order_by("ship_by", "pk")


def _scope_or_400(request) -> Scope | HttpResponseBadRequest:
    try:
        return scope_from(request)
    except BadScope as exc:
        return HttpResponseBadRequest(f"Bad filter: {exc}", content_type="text/plain; charset=utf-8")


@area_required(AREA)
def fulfillment_list(request):
    scope = _scope_or_400(request)
    if isinstance(scope, HttpResponseBadRequest):
        return scope
    kpi = request.GET.get("kpi", "at_risk")
    try:
        rows = fulfillments_for(scope, kpi)
    except BadRequest as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "ops/fulfillment_list.html", {
        "scope": scope, "kpi": kpi, "title": KPIS[kpi], "page": page, "now": timezone.now(),
        "query": scope.query(kpi=kpi),
    })


# CSV ---------------------------------------------------------------------------------------------------

class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A spreadsheet never runs a cell: text that starts like a formula is quoted."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return timefmt.iso_dt(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _numeric(text) else text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fulfillment_rows(scope: Scope, request) -> tuple[list[str], Iterable[list]]:
    rows = fulfillments_for(scope, request.GET.get("kpi", "at_risk"))
    header = ["order", "merchant", "warehouse", "status", "priority", "ship_by", "shipped_at", "carrier", "tracking"]
    return header, ([fo.order.order_number, fo.order.merchant.code, fo.warehouse.code, fo.status, fo.order.priority,
                     fo.ship_by, fo.shipped_at, fo.carrier, fo.tracking_number] for fo in rows.iterator(chunk_size=1000))


def _order_to_ship(scope: Scope, request):
    data = order_to_ship_times(**scope.kwargs, window=scope.window)
    return ["hours", "fulfillment_orders"], ([label, n] for label, n in data["buckets"])


def _discrepancy_ages(scope: Scope, request):
    data = discrepancies_by_age(**scope.kwargs)
    return ["age", "open_discrepancies"], ([label, n] for label, n in data["buckets"])


def _facilities(scope: Scope, request):
    header = ["warehouse", "square_feet", "units", "units_per_sqft", "cubic_ft", "capacity_ft3", "cubic_pct", "bins",
              "bin_capacity", "bin_units", "bin_pct", "threshold", "over"]
    return header, ([r["warehouse"].code, *[r[k] for k in header[1:]]] for r in facility_capacity(warehouse=scope.warehouse))


def _zones(scope: Scope, request):
    if scope.warehouse is None:
        raise BadRequest("zones: choose a facility (warehouse=<code>)")
    header = ["zone", "name", "kind", "bins", "occupied", "units", "capacity", "units_in_capped", "pct", "over"]
    return header, ([r[k] for k in header] for r in zone_utilisation(warehouse=scope.warehouse))


def _queues(scope: Scope, request):
    return ["queue", "count"], ([r["queue"], r["count"]] for r in work_queues(**scope.kwargs))


def _pickers(scope: Scope, request):
    header = ["picker", "sessions", "lines", "hours", "lines_per_hour"]
    return header, ([r[k] for k in header] for r in picker_throughput(warehouse=scope.warehouse, window=scope.window))


def _throughput(scope: Scope, request):
    data = facility_throughput(**scope.kwargs, window=scope.window)
    return ["period_start", "lines_picked", "orders_shipped"], ([r["at"], r["lines"], r["shipped"]] for r in data["series"])


EXPORTS: dict[str, Callable] = {
    "fulfillments": _fulfillment_rows, "order_to_ship": _order_to_ship, "discrepancy_ages": _discrepancy_ages,
    "facilities": _facilities, "zones": _zones, "queues": _queues, "pickers": _pickers, "throughput": _throughput,
}


@area_required(AREA)
def export(request, table: str):
    scope = _scope_or_400(request)
    if isinstance(scope, HttpResponseBadRequest):
        return scope
    if table not in EXPORTS:
        return HttpResponseBadRequest(f"unknown table {table!r}: one of {', '.join(EXPORTS)}",
                                      content_type="text/plain; charset=utf-8")
    try:
        header, rows = EXPORTS[table](scope, request)
    except BadRequest as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{table}-{scope.window.name}-{stamp}.csv"'
    return response
