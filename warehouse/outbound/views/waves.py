"""Wave planning for managers: what is waiting, plan automatically or by hand, follow the sessions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from core.roles import PICKER
from inventory.tenancy import warehouses_visible_to
from orders.selectors import orders_awaiting_release
from orders.services.allocation import orders_release_batch
from warehouse.models import PickLine, PickSession, PickStrategy
from warehouse.outbound.selectors import wave_candidates
from warehouse.outbound.services.picking import pick_session_assign, pick_session_release
from warehouse.outbound.services.waves import WavePlanningError, wave_plan
from warehouse.selectors import pick_sessions_visible_to


@area_required("picking_manage")
def wave_board(request):
    warehouses = warehouses_visible_to(request.user).filter(is_active=True).order_by("code")
    chosen = request.GET.get("warehouse") or ""
    if "\x00" in chosen:  # no warehouse code holds a NUL, and PostgreSQL cannot even compare one
        raise Http404("no such warehouse")
    warehouse = get_object_or_404(warehouses, code=chosen) if chosen else warehouses.first()
    if warehouse is None:
        return render(request, "warehouse/waves.html", {"warehouses": warehouses})
    candidates = (
        wave_candidates(warehouse).select_related("order")
        .annotate(units=Sum("lines__qty"), line_count=Count("lines"))[:200]
    )
    sessions = (
        PickSession.objects.filter(warehouse=warehouse)
        .filter(Q(status__in=[PickSession.Status.OPEN, PickSession.Status.CLAIMED]) | Q(wave__status="open"))
        .select_related("picker", "wave", "zone")
        .annotate(
            line_total=Count("lines", filter=~Q(lines__status=PickLine.Status.CANCELLED), distinct=True),
            line_done=Count("lines", filter=Q(lines__status__in=[PickLine.Status.PICKED, PickLine.Status.FAILED]), distinct=True),
            order_count=Count("slots", distinct=True),
        )
        .order_by("wave_id", "-priority", "ship_by", "id")[:300]
    )
    awaiting_release = orders_awaiting_release(warehouse).count()
    pickers = (get_user_model().objects.filter(is_active=True, groups__name=PICKER)  # those who work here
               .filter(Q(staff_scope__warehouses__isnull=True) | Q(staff_scope__warehouses=warehouse))
               .distinct().order_by("username"))
    return render(request, "warehouse/waves.html", {
        "warehouses": warehouses, "warehouse": warehouse, "candidates": candidates, "sessions": sessions,
        "strategies": PickStrategy.choices, "pickers": pickers, "awaiting_release": awaiting_release,
    })


@require_POST
@area_required("picking_manage")
def wave_create(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    chosen = request.POST.getlist("fulfillment")
    due = (request.POST.get("ship_by_before") or "").strip()
    try:
        ship_by_before = parse_datetime(due) if due else None
        if due and ship_by_before is None:
            raise WavePlanningError(f"{due!r} is not a date and time (YYYY-MM-DDTHH:MM)")
        if ship_by_before is not None and timezone.is_naive(ship_by_before):
            ship_by_before = timezone.make_aware(ship_by_before, ZoneInfo(warehouse.timezone))
        wave = wave_plan(
            warehouse=warehouse, actor=request.user, strategy=request.POST.get("strategy", PickStrategy.BATCH),
            orders_per_session=_count(request.POST, "orders_per_session", 6),
            max_orders=_count(request.POST, "max_orders", None), ship_by_before=ship_by_before,
            fulfillment_ids=[int(pk) for pk in chosen if pk.isdigit()] if chosen else None,
        )
        messages.success(request, f"Wave {wave} planned: {wave.sessions.count()} session(s). {wave.note}".strip())
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_board(warehouse))


@require_POST
@area_required("picking_manage")
def release_batch(request, code):
    warehouse = get_object_or_404(warehouses_visible_to(request.user), code=code)
    count = orders_release_batch(actor=request.user, warehouse=warehouse, limit=_int(request.POST.get("limit"), None))
    messages.success(request, f"{count} order(s) released to {warehouse.code}")
    return redirect(_board(warehouse))


@require_POST
@area_required("picking_manage")
def session_action(request, pk):
    session = get_object_or_404(pick_sessions_visible_to(request.user, PickSession.objects.select_related("warehouse")), pk=pk)
    try:
        if request.POST.get("action") == "assign":
            if not (request.POST.get("picker") or "").isdigit():
                messages.error(request, "choose a picker to hand the session to")
                return redirect(_board(session.warehouse))
            picker = get_object_or_404(get_user_model(), pk=int(request.POST["picker"]))
            pick_session_assign(session=session, picker=picker, actor=request.user)
            messages.success(request, f"{session} assigned to {picker.get_username()}")
        else:
            pick_session_release(session=session, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, f"{session} back in the queue")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_board(session.warehouse))


def _board(warehouse) -> str:
    from django.urls import reverse

    return f"{reverse('warehouse:wave_board')}?warehouse={warehouse.code}"


def _count(data, name: str, default: int | None) -> int | None:
    """A whole number of at least 1 typed into the form, or the default when left empty."""
    value = (data.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise WavePlanningError(f"{name.replace('_', ' ')} must be a whole number of at least 1, got {value[:20]!r}")
    return int(value)


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
