"""Serial trace pages: search a serial and see the unit's life; an order's serials (a panel of the order page)."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render

from core.access import area_required
from orders.selectors import orders_visible_to
from returns.serial_trace import histories_of, order_serial_units, serial_query, serial_search


def serial_trace_context(request) -> dict | HttpResponseBadRequest:
    try:
        serial = serial_query(request.GET.get("serial"))
    except ValueError as exc:
        return HttpResponseBadRequest(f"serial {exc}")
    return {"serial": serial, "histories": histories_of(list(serial_search(request.user, serial))) if serial else None}


@area_required("serials")
def serial_trace(request):
    context = serial_trace_context(request)
    if isinstance(context, HttpResponseBadRequest):
        return context
    return render(request, "returns/serial_trace.html", context)


@area_required("serials")
def order_serials(request, pk):
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    return render(request, "returns/_order_serials.html",
                  {"order": order, "histories": histories_of(list(order_serial_units(order)))})
