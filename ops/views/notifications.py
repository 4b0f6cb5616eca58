"""The in-app notification list, the unread count in the header, marking read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from ops.selectors.notifications import notifications_for, unread_count
from ops.services.notifications import notification_mark_read, notifications_mark_all_read


@login_required
def notification_list(request):
    rows = notifications_for(request.user)
    if request.GET.get("unread") == "1":
        rows = rows.filter(is_read=False)
    page = Paginator(rows.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "ops/notification_list.html", {"page": page, "unread_only": request.GET.get("unread") == "1"})


@login_required
def notification_badge(request):
    count = unread_count(request.user)
    if not count:
        return HttpResponse("")
    return HttpResponse(format_html('<span class="badge danger" data-unread="{}">{}</span>', count, count))


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    if request.POST.get("open") and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("ops:notifications")


@login_required
@require_POST
def notification_read_all(request):
    notifications_mark_all_read(user=request.user, notifications=notifications_for(request.user).filter(is_read=False))
    return redirect("ops:notifications")
