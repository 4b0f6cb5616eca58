from rest_framework.permissions import BasePermission

from core.roles import may_use


def area_permission(area: str, *, safe_area: str | None = None) -> type[BasePermission]:
    """DRF permission: the user's role must allow `area` (or `safe_area` for reads)."""

    class AreaPermission(BasePermission):
        message = f"Your role may not use {area.replace('_', ' ')}."

        def has_permission(self, request, view) -> bool:
            if not request.user or not request.user.is_authenticated:
                return False
            if safe_area and request.method in ("GET", "HEAD", "OPTIONS"):
                return may_use(request.user, safe_area)
            return may_use(request.user, area)

    AreaPermission.area = area  # read by the authorization matrix
    AreaPermission.safe_area = safe_area
    AreaPermission.__name__ = f"May{area.title().replace('_', '')}"
    return AreaPermission
