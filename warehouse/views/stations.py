"""What every scan station view shares: read the submission, apply it once, answer with the panel."""

from __future__ import annotations

import uuid

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from warehouse.services.station_scans import BadScanId, StationReply, apply_scan_once


def submitted_scan(request, *, station: str, action, on_refusal=None) -> StationReply:
    code = request.POST.get("code", "")
    try:
        return apply_scan_once(
            scan_id=request.POST.get("scan_id"), station=station, user=request.user, raw=code,
            action=lambda: action(code), on_refusal=on_refusal,
        )
    except BadScanId as exc:  # a form posted without the station's page (no scan id): refused, nothing applied
        return StationReply(ok=False, message=exc.message, data={"code": exc.code})


def render_station(request, *, page: str, panel: str, context: dict):
    """The panel alone for the station's script; the whole page for a plain form post (no script)."""
    context = {**context, "scan_id": uuid.uuid4()}
    template = panel if request.htmx else page
    response = render(request, template, context)
    add_never_cache_headers(response)  # Back/Forward must ask again: a cached station shows a task long gone
    return response
