"""Who may use the portal: a merchant's own users, acting for that merchant only."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from core.access import area_required
from inventory.selectors import merchant_of


def merchant_user_required(view):
    """The `portal` area (merchant users only: staff, admins included, are refused with 403 by the area check),
    and a merchant membership; the view gets the merchant as `request.merchant`. A merchant-role user without a
    membership is refused too. Nothing is read or changed for a refused user."""

    @area_required("portal")
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        merchant = merchant_of(request.user)
        if merchant is None:
            raise PermissionDenied("The portal is for a merchant's own users; staff pages show merchants' data.")
        request.merchant = merchant
        return view(request, *args, **kwargs)

    return wrapper
