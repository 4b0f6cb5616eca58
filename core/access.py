"""Page access by role, and the navigation built from the same table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse

from core.roles import may_use


def area_required(area: str):
    """Login required, then the user's role must allow `area`; otherwise 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may_use(request.user, area):
                raise PermissionDenied(f"Your role may not use {area.replace('_', ' ')}.")
            return view(request, *args, **kwargs)

        wrapper.access_area = area  # type: ignore[attr-defined]  # read by the authorization matrix
        return wrapper

    return decorator


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    area: str
    group: str = ""  # one of NAV_GROUPS; empty: GROUP_OF by URL name, else "More"


# The menu's areas, in the order shown. A new page names its group on its NavItem (group="Reports").
NAV_GROUPS = ["Orders", "Inbound", "Outbound", "Inventory", "Returns", "Reports", "Admin", "More"]


# Every page in the navigation, in the order shown (URL names only: the kernel imports no app).
NAVIGATION: list[NavItem] = [
    NavItem("Portal", "portal:home", "portal"),
    NavItem("Products", "inventory:product_list", "catalog"),
    NavItem("Low stock", "inventory:low_stock", "inventory"),
    NavItem("Kit work orders", "inventory:kit_work_order_list", "inventory"),
    NavItem("Orders", "orders:order_list", "order_read"),
    NavItem("Upload orders", "orders:order_upload", "order_intake"),
    NavItem("Order inbox", "orders:inbox", "orders"),
    NavItem("Storefront outbox", "orders:outbox", "orders"),
    NavItem("Warehouses", "warehouse:warehouse_list", "layout"),
    NavItem("Inbound", "warehouse:po_list", "inbound"),
    NavItem("Receiving", "warehouse:receiving_station", "receiving"),
    NavItem("Putaway", "warehouse:putaway_index", "receiving"),
    NavItem("Receiving exceptions", "warehouse:exception_queue", "inbound_manage"),
    NavItem("Picking", "warehouse:pick_index", "picking"),
    NavItem("Waves", "warehouse:wave_board", "picking_manage"),
    NavItem("Replenishment", "warehouse:replenishment_index", "picking"),
    NavItem("Discrepancies", "warehouse:discrepancy_queue", "discrepancies"),
    NavItem("Lot recalls", "warehouse:recall_list", "recalls", group="Inventory"),
    NavItem("Serial trace", "returns:serial_trace", "serials", group="Orders"),
    NavItem("Packing", "warehouse:pack_index", "packing"),
    NavItem("Manifests", "warehouse:manifests", "packing"),
    NavItem("Returns", "returns:rma_list", "rma"),
    NavItem("Returns station", "returns:station_index", "returns"),
    NavItem("Unexpected parcels", "returns:parcel_queue", "returns"),
    NavItem("Inventory flush", "returns:flush_list", "returns_flush"),
    NavItem("Returns insight", "returns:insight", "dashboards"),
    NavItem("Count station", "warehouse:count_index", "discrepancies"),
    NavItem("Cycle counts", "warehouse:count_board", "discrepancies"),
    NavItem("Count approvals", "warehouse:count_review_list", "count_approve"),
    NavItem("SLA", "ops:sla", "dashboards"),
    NavItem("Capacity", "ops:capacity", "dashboards"),
    NavItem("Accuracy", "ops:accuracy", "dashboards"),
    NavItem("Audit log", "ops:audit", "audit", group="Reports"),
    NavItem("End of day", "ops:day_close_list", "day_close", group="Reports"),
    NavItem("Invoices", "billing:invoice_list", "billing", group="Reports"),
    NavItem("Rate cards", "billing:rate_card_list", "billing", group="Reports"),
    NavItem("Special projects", "billing:project_list", "billing", group="Reports"),
]


# The area of each page listed above, kept apart from the list so entries added to it stay one-liners.
GROUP_OF = {
    "portal:home": "Orders", "orders:order_list": "Orders", "orders:order_upload": "Orders", "orders:inbox": "Orders",
    "orders:outbox": "Orders",
    "warehouse:po_list": "Inbound", "warehouse:receiving_station": "Inbound", "warehouse:putaway_index": "Inbound",
    "warehouse:exception_queue": "Inbound",
    "warehouse:pick_index": "Outbound", "warehouse:wave_board": "Outbound", "warehouse:pack_index": "Outbound",
    "warehouse:manifests": "Outbound", "warehouse:replenishment_index": "Outbound",
    "inventory:product_list": "Inventory", "inventory:low_stock": "Inventory",
    "inventory:kit_work_order_list": "Inventory", "warehouse:discrepancy_queue": "Inventory",
    "warehouse:count_index": "Inventory", "warehouse:count_board": "Inventory", "warehouse:count_review_list": "Inventory",
    "returns:rma_list": "Returns", "returns:station_index": "Returns", "returns:parcel_queue": "Returns",
    "returns:flush_list": "Returns",
    "returns:insight": "Reports", "ops:sla": "Reports", "ops:capacity": "Reports", "ops:accuracy": "Reports",
    "warehouse:warehouse_list": "Admin",
}


def nav_group(item: NavItem) -> str:
    group = item.group or GROUP_OF.get(item.url_name, "")
    return group if group in NAV_GROUPS else "More"


def navigation_groups_for(user) -> list[dict]:
    """The user's pages by area, areas in NAV_GROUPS order, each area's pages in NAVIGATION order."""
    by_group: dict[str, list[dict]] = {}
    for item in navigation_for(user):
        by_group.setdefault(item["group"], []).append(item)
    return [{"label": group, "items": by_group[group]} for group in NAV_GROUPS if group in by_group]


def navigation_for(user) -> list[dict]:
    items = []
    for item in NAVIGATION:
        if not may_use(user, item.area):
            continue
        try:
            items.append({"label": item.label, "url": reverse(item.url_name), "group": nav_group(item)})
        except NoReverseMatch:
            continue
    return items


# Who may use a URL whose view declares no area. Every other view declares its area with `area_required`
# (pages) or `area_permission` (API), and the role table in core.roles decides. A URL that neither declares an
# area nor appears here fails tests/security/test_authorization_matrix.py, which checks every URL against
# every role, a merchant user, a merchant API token and an anonymous visitor.
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user, whatever the role
SIGNED_REQUEST = "signed_request"  # no user: the request must carry the channel's signature (storefront webhooks)
ADMIN_SITE = "admin_site"  # the Django admin: staff accounts, then the model permissions of their role

URL_RULES: dict[str, str] = {
    "home": SIGNED_IN,
    "healthz": PUBLIC,
    "healthz-live": PUBLIC,
    "healthz-ready": PUBLIC,
    "healthz-workers": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "api-token": PUBLIC,
    # Merchants pick the warehouse of a purchase order; warehouse names and addresses are no merchant's data.
    "api-warehouse-list": SIGNED_IN,
    "api-warehouse-detail": SIGNED_IN,
    # The API's shape is public (storefront and handheld developers read it); it holds no data.
    "schema": PUBLIC,
    "api-docs": PUBLIC,
    "orders:storefront-webhook": SIGNED_REQUEST,
    "shipping:carrier-webhook": SIGNED_REQUEST,
    "orders:shopify-fulfillment-webhook": SIGNED_REQUEST,
    # Each signed-in user reads and marks their own notifications (addressed to their role or to them).
    "ops:notifications": SIGNED_IN,
    "ops:notification_badge": SIGNED_IN,
    "ops:notification_read_all": SIGNED_IN,
    "ops:notification_read": SIGNED_IN,
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
    "admin:*": ADMIN_SITE,
}
