"""The merchant's outbound webhooks: its subscriptions (create, rotate the secret, disable, enable), each one's
deliveries with their status, and replay (one parked delivery, or all of a subscription's)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.models import EventKind
from integrations.models import DeliveryStatus
from integrations.selectors import deliveries_visible_to, subscriptions_visible_to
from integrations.services.delivery import deliveries_replay, delivery_replay
from integrations.services.subscriptions import (
    subscription_create,
    subscription_rotate_secret,
    subscription_update,
)
from portal.access import merchant_user_required

PER_PAGE = 50
ACTIONS = ("rotate", "disable", "enable", "replay")


@merchant_user_required
def webhook_list(request):
    if request.method == "POST":
        try:
            subscription = subscription_create(
                merchant=request.merchant, url=request.POST.get("url", ""), kinds=request.POST.getlist("kinds"),
                description=request.POST.get("description", ""), actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Endpoint {subscription.url} subscribed: its signing secret is below")
            return redirect("portal:webhook_detail", pk=subscription.pk)
    return render(request, "portal/webhook_list.html", {
        "subscriptions": subscriptions_visible_to(request.user).order_by("-active", "pk"),
        "kinds": EventKind.choices, "chosen": request.POST.getlist("kinds") if request.method == "POST" else [],
        "url": request.POST.get("url", "") if request.method == "POST" else "",
    })


@merchant_user_required
def webhook_detail(request, pk):
    subscription = get_object_or_404(subscriptions_visible_to(request.user), pk=pk)
    shown = request.GET.get("status", "")
    rows = deliveries_visible_to(request.user).filter(subscription=subscription).order_by("-event_id", "-pk")
    if shown in DeliveryStatus.values:
        rows = rows.filter(status=shown)
    else:
        shown = ""
    return render(request, "portal/webhook_detail.html", {
        "subscription": subscription, "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "statuses": DeliveryStatus.choices, "shown": shown,
        "parked": deliveries_visible_to(request.user).filter(subscription=subscription, status=DeliveryStatus.PARKED).count(),
    })


@require_POST
@merchant_user_required
def webhook_action(request, pk, action):
    subscription = get_object_or_404(subscriptions_visible_to(request.user), pk=pk)
    if action not in ACTIONS:
        messages.error(request, f"unknown action {action[:40]!r}")
        return redirect("portal:webhook_detail", pk=pk)
    try:
        if action == "rotate":
            subscription_rotate_secret(subscription=subscription, actor=request.user)
            messages.success(request, "A new secret signs every delivery from now on")
        elif action in ("disable", "enable"):
            subscription_update(subscription=subscription, actor=request.user, active=action == "enable")
            messages.success(request, f"Endpoint {action}d")
        else:
            replayed = deliveries_replay(deliveries=deliveries_visible_to(request.user).filter(subscription=subscription),
                                         actor=request.user)
            messages.success(request, f"{replayed} parked deliver{'y' if replayed == 1 else 'ies'} sent again")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:webhook_detail", pk=pk)


@require_POST
@merchant_user_required
def webhook_delivery_replay(request, pk):
    delivery = get_object_or_404(deliveries_visible_to(request.user), pk=pk)
    try:
        delivery_replay(delivery=delivery, actor=request.user)
        messages.success(request, f"Delivery {delivery.pk} sent again")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:webhook_detail", pk=delivery.subscription_id)
