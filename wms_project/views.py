from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found

from core.access import navigation_for
from core.roles import MERCHANT, roles_of
from wms_project.health import readiness, system_health, worker_health


@require_GET
@never_cache
def healthz(request):
    healthy, parts = system_health()
    failing = [name for name in ("database", "redis", "celery") if not parts[name]["ok"]]
    stuck = [f"{what} waiting" for what in parts["work"].get("stuck", [])]
    body = {"status": ("ok" if not stuck else "stuck") if healthy else "down", "failing": failing, "stuck": stuck, **parts}
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
@never_cache
def healthz_live(request):
    """Liveness: the web process answers. Nothing else is asked, so a restart is never caused by a peer."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def healthz_ready(request):
    """Readiness: the database and the broker answer; workers are reported at /healthz/workers."""
    ready, parts = readiness()
    failing = [name for name, part in parts.items() if not part["ok"]]
    return JsonResponse({"status": "ok" if ready else "down", "failing": failing, **parts}, status=200 if ready else 503)


@require_GET
@never_cache
def healthz_workers(request):
    """The workers' health on its own: a worker outage shows here and never on the web's readiness."""
    healthy, parts = worker_health()
    failing = [name for name, part in parts.items() if not part["ok"]]
    return JsonResponse({"status": "ok" if healthy else "down", "failing": failing, **parts},
                        status=200 if healthy else 503)


@login_required
def home(request):
    roles = roles_of(request.user)
    if roles == {MERCHANT}:
        return redirect("portal:home")
    return render(request, "home.html", {"roles": sorted(roles), "shortcuts": navigation_for(request.user)})


def not_found(request, exception=None):
    """Under /api/ a client reads JSON, never the HTML page: an unknown URL answers like a missing object."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
