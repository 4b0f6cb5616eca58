"""The merchant's serial trace: its own units only."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import render

from portal.access import merchant_user_required
from returns.views.serials import serial_trace_context


@merchant_user_required
def serial_trace(request):
    context = serial_trace_context(request)
    if isinstance(context, HttpResponseBadRequest):
        return context
    return render(request, "portal/serial_trace.html", context)
