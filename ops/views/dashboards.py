"""The three dashboards. A full page on a normal request; only the figures panel on an htmx poll."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.access import area_required
from ops import charts
from ops.selectors import (
    facility_capacity,
    facility_throughput,
    inbound_against_capacity,
    inventory_accuracy,
    pick_accuracy,
    picker_throughput,
    sla_summary,
    work_queues,
    zone_utilisation,
)
from ops.views.scope import BadScope, Scope, scope_from

AREA = "dashboards"
PAGES = (("sla", "SLA"), ("capacity", "Capacity"), ("accuracy", "Accuracy and throughput"))


def _list_url(scope: Scope, kpi: str) -> str:
    return f"{reverse('ops:fulfillments')}?{scope.query(kpi=kpi)}"


def _export_url(scope: Scope, table: str) -> str:
    return f"{reverse('ops:export', args=[table])}?{scope.query()}"


def sla_context(scope: Scope) -> dict:
    summary = sla_summary(**scope.kwargs, window=scope.window)
    ship = summary["order_to_ship"]
    return {
        "summary": summary,
        "links": {kpi: _list_url(scope, kpi) for kpi in ("due_today", "at_risk", "shipped", "late")},
        "ship_chart": charts.bar_chart(ship["buckets"], title="Order to ship, hours"),
        "discrepancy_chart": charts.bar_chart(summary["discrepancies"]["buckets"], title="Open discrepancies by age",
                                              colour="#b36b00"),
        "on_time_meter": charts.meter(summary["on_time"]["rate"], title="On-time ship rate"),
        "exports": {"ship_buckets": _export_url(scope, "order_to_ship"),
                    "discrepancy_ages": _export_url(scope, "discrepancy_ages")},
    }


def capacity_context(scope: Scope) -> dict:
    facilities = facility_capacity(warehouse=scope.warehouse)
    for row in facilities:
        row["cubic_meter"] = charts.meter(row["cubic_pct"], title=f"{row['warehouse'].code} cubic use",
                                          threshold=row["threshold"])
        row["bin_meter"] = charts.meter(row["bin_pct"], title=f"{row['warehouse'].code} bin use",
                                        threshold=row["threshold"])
    queues = work_queues(**scope.kwargs)
    context = {
        "facilities": facilities, "queues": queues,
        "queue_links": {q["queue"]: _list_url(scope, f"queue_{q['queue']}") for q in queues},
        "queue_chart": charts.bar_chart([(q["label"], q["count"]) for q in queues], title="Work in each queue",
                                        links=[_list_url(scope, f"queue_{q['queue']}") for q in queues]),
        "exports": {t: _export_url(scope, t) for t in ("facilities", "zones", "queues")},
    }
    if scope.warehouse is not None:
        zones = zone_utilisation(warehouse=scope.warehouse)
        context.update(zones=zones, inbound=inbound_against_capacity(warehouse=scope.warehouse, merchant=scope.merchant),
                       zone_chart=charts.bar_chart([(z["zone"], round((z["pct"] or 0) * 100, 1)) for z in zones],
                                                   title="Bin use by zone, %"))
    return context


def accuracy_context(scope: Scope) -> dict:
    throughput = facility_throughput(**scope.kwargs, window=scope.window)
    label = "%H:00" if throughput["hourly"] else "%m-%d"
    series = throughput["series"]
    return {
        "pick": pick_accuracy(**scope.kwargs, window=scope.window),
        "counts": inventory_accuracy(**scope.kwargs, window=scope.window),
        "pickers": picker_throughput(warehouse=scope.warehouse, window=scope.window),
        "throughput": throughput,
        "lines_chart": charts.bar_chart([(timezone.localtime(r["at"]).strftime(label), r["lines"]) for r in series],
                                        title="Lines picked"),
        "shipped_chart": charts.bar_chart([(timezone.localtime(r["at"]).strftime(label), r["shipped"]) for r in series],
                                          title="Orders shipped", colour="#2e7d32"),
        "links": {"shipped": _list_url(scope, "shipped")},
        "exports": {t: _export_url(scope, t) for t in ("pickers", "throughput")},
    }


CONTEXTS = {"sla": sla_context, "capacity": capacity_context, "accuracy": accuracy_context}


def _dashboard(request, page: str):
    try:
        scope = scope_from(request)
    except BadScope as exc:
        return HttpResponseBadRequest(f"Bad filter: {exc}", content_type="text/plain; charset=utf-8")
    context = {"scope": scope, "page": page, "pages": PAGES, "refreshed_at": timezone.now(),
               "refresh_seconds": settings.OPS_DASHBOARD_REFRESH_SECONDS, **CONTEXTS[page](scope)}
    template = f"ops/{page}_panel.html" if request.htmx else f"ops/{page}.html"
    return render(request, template, context)


@area_required(AREA)
def sla(request):
    return _dashboard(request, "sla")


@area_required(AREA)
def capacity(request):
    return _dashboard(request, "capacity")


@area_required(AREA)
def accuracy(request):
    return _dashboard(request, "accuracy")
