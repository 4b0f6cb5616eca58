"""Who may use the portal: a merchant's own users, acting for that merchant only."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import render

from core.access import area_required
from inventory.selectors import merchant_of


def _staff_explained(request, *args, **kwargs):
    return render(request, "portal/staff_home.html")


def merchant_user_required(view, *, staff_view=_staff_explained):
    """The `portal` area, and a merchant membership; the view gets the merchant as `request.merchant`. An admin
    (the only staff role with the portal area) gets `staff_view` instead: by default a page saying the portal
    is for a merchant's own users and where staff see merchants' data. Nothing is read or changed for them."""

    @area_required("portal")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        merchant = merchant_of(request.user)
        if merchant is None:
            return staff_view(request, *args, **kwargs)
        request.merchant = merchant
        return view(request, *args, **kwargs)

    return wrapper
