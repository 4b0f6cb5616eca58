from django.shortcuts import render

from core.access import area_required
from returns.selectors import returns_insight


@area_required("dashboards")
def insight(request):
    return render(request, "returns/insight.html", {"insight": returns_insight()})
