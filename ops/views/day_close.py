"""End of day for warehouse managers and ops: each warehouse's close-outs and reports, and closing the day by
hand before the cut-off (with confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date

from core.access import area_required
from core.errors import DomainError
from ops.selectors.day_close import day_close_on, day_close_warehouses, day_closes_of
from ops.services.day_close import day_close_run, local_day

AREA = "day_close"


@area_required(AREA)
def day_close_list(request):
    rows = []
    for warehouse in day_close_warehouses(request.user):
        today = local_day(warehouse)
        rows.append({"warehouse": warehouse, "today": today, "close": day_close_on(warehouse, today.day)})
    return render(request, "ops/day_close_list.html", {"rows": rows})


@area_required(AREA)
def day_close_detail(request, code: str):
    warehouse = get_object_or_404(day_close_warehouses(request.user), code=code)
    today = local_day(warehouse)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, "Tick the confirmation to close the day before its cut-off.")
            return redirect("ops:day_close_detail", code=warehouse.code)
        try:
            close = day_close_run(warehouse=warehouse, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if close is None:
                messages.info(request, f"{today.day.isoformat()} is already closed, or being closed, at {warehouse.code}.")
            else:
                messages.success(request, f"{today.day.isoformat()} closed at {warehouse.code}.")
        return redirect("ops:day_close_detail", code=warehouse.code)
    raw_day = (request.GET.get("day") or "")[:10]
    try:
        day = parse_date(raw_day) if raw_day else today.day
    except ValueError:
        day = None
    day = day or today.day
    return render(request, "ops/day_close_detail.html", {
        "warehouse": warehouse, "today": today, "day": day, "close": day_close_on(warehouse, day),
        "history": day_closes_of(warehouse),
    })
