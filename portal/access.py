"""Who may use the portal: a merchant's own users, acting for that merchant only."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from core.access import area_required
from inventory.selectors import merchant_of


def merchant_user_required(view, *, staff_view=None):
    """The `portal` area, and a merchant membership; the view gets the merchant as `request.merchant`. An admin
    (the only staff role with the portal area) gets `staff_view` instead, or a 403 when there is none."""

    @area_required("portal")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        merchant = merchant_of(request.user)
        if merchant is None and staff_view is not None:
            return staff_view(request, *args, **kwargs)
        if merchant is None:
            raise PermissionDenied("The portal is for a merchant's own users.")
        request.merchant = merchant
        return view(request, *args, **kwargs)

    return wrapper
