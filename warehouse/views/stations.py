"""What every scan station view shares: read the submission, apply it once, answer with the panel."""

from __future__ import annotations

import uuid

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from inventory.models import Product
from layout.models import Bin
from warehouse.scanning import ScanError, ScanKind, parse_scan
from warehouse.services.station_scans import BadScanId, StationReply, apply_scan_once


def submitted_scan(request, *, station: str, action, on_refusal=None, warehouse=None) -> StationReply:
    """`warehouse`: where a bin or tote code typed as the screen shows it, without its `BIN:` / `TOTE:`
    prefix, is looked up, so it reads as the label it names."""
    code = request.POST.get("code", "")
    try:
        return apply_scan_once(
            scan_id=request.POST.get("scan_id"), station=station, user=request.user, raw=code,
            action=lambda: action(label_as_displayed(code, warehouse)), on_refusal=on_refusal,
        )
    except BadScanId as exc:  # a form posted without the station's page (no scan id): refused, nothing applied
        return StationReply(ok=False, message=exc.message, data={"code": exc.code})


def label_as_displayed(raw: str, warehouse) -> str:
    """A bare code that is a bin or tote of this warehouse (any case) and no product's SKU becomes that bin's
    label; anything else is passed on as typed. Runs after the station's input check, inside the scan."""
    if warehouse is None:
        return raw
    try:
        scan = parse_scan(raw)
    except ScanError:
        return raw
    if scan.kind != ScanKind.SKU or not scan.code:
        return raw
    found = Bin.objects.filter(warehouse=warehouse, code__iexact=scan.code, is_active=True).first()
    if found is None or Product.objects.filter(sku=scan.code, is_active=True).exists():
        return raw
    return found.barcode


def render_station(request, *, page: str, panel: str, context: dict):
    """The panel alone for the station's script; the whole page for a plain form post (no script)."""
    context = {**context, "scan_id": uuid.uuid4()}
    template = panel if request.htmx else page
    response = render(request, template, context)
    add_never_cache_headers(response)  # Back/Forward must ask again: a cached station shows a task long gone
    return response
