"""Staff roles (auth groups) and which areas of the product each may use.

A role is a Django group of the same name. Superusers and the `admin` role may use everything.
Merchant users belong to the `merchant` role and see only their own merchant's data.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

PICKER = "picker"
PACKER = "packer"
RECEIVER = "receiver"
RETURNS_PROCESSOR = "returns_processor"
INVENTORY_CONTROLLER = "inventory_controller"
WAREHOUSE_MANAGER = "warehouse_manager"
OPS_MANAGER = "ops_manager"
CUSTOMER_SERVICE = "customer_service"
ADMIN = "admin"
MERCHANT = "merchant"

STAFF_ROLES = (
    PICKER,
    PACKER,
    RECEIVER,
    RETURNS_PROCESSOR,
    INVENTORY_CONTROLLER,
    WAREHOUSE_MANAGER,
    OPS_MANAGER,
    CUSTOMER_SERVICE,
    ADMIN,
)
ALL_ROLES = (*STAFF_ROLES, MERCHANT)

# Areas of the product and the roles that may use them (admin may use all).
AREAS: dict[str, frozenset[str]] = {
    "receiving": frozenset({RECEIVER, WAREHOUSE_MANAGER}),
    # Purchase orders / ASNs: staff who plan or receive them, and merchants for their own.
    "inbound": frozenset({RECEIVER, WAREHOUSE_MANAGER, INVENTORY_CONTROLLER, OPS_MANAGER, MERCHANT}),
    # Receiving exceptions and putaway tasks: resolve, map barcodes, release abandoned tasks.
    "inbound_manage": frozenset({WAREHOUSE_MANAGER, INVENTORY_CONTROLLER}),
    "picking": frozenset({PICKER, WAREHOUSE_MANAGER}),
    # Waves, pick session reassignment, the discrepancy queue and count tasks.
    "picking_manage": frozenset({WAREHOUSE_MANAGER, OPS_MANAGER}),
    "discrepancies": frozenset({WAREHOUSE_MANAGER, INVENTORY_CONTROLLER}),
    # Approve or reject a count whose variance is over the warehouse's tolerance (never one's own count).
    "count_approve": frozenset({WAREHOUSE_MANAGER, OPS_MANAGER}),
    "packing": frozenset({PACKER, WAREHOUSE_MANAGER}),
    "returns": frozenset({RETURNS_PROCESSOR, WAREHOUSE_MANAGER}),
    # RMAs: customer service opens and follows them, merchants for their own orders.
    "rma": frozenset({CUSTOMER_SERVICE, OPS_MANAGER, WAREHOUSE_MANAGER, RETURNS_PROCESSOR, MERCHANT}),
    # Build and approve inventory flush batches (a second person approves).
    "returns_flush": frozenset({WAREHOUSE_MANAGER, INVENTORY_CONTROLLER, OPS_MANAGER}),
    "inventory": frozenset({INVENTORY_CONTROLLER, WAREHOUSE_MANAGER, OPS_MANAGER}),
    "inventory_adjust": frozenset({INVENTORY_CONTROLLER, WAREHOUSE_MANAGER}),
    # Transfers between warehouses: plan, release, pick, ship and receive them; imbalance proposals.
    "transfers": frozenset({WAREHOUSE_MANAGER, INVENTORY_CONTROLLER, OPS_MANAGER}),
    "layout": frozenset({WAREHOUSE_MANAGER}),
    "dashboards": frozenset({OPS_MANAGER, WAREHOUSE_MANAGER}),
    # The audit log: who adjusted stock, held or cancelled orders, flushed, changed roles or rotated secrets.
    "audit": frozenset({OPS_MANAGER}),
    # The ERP feed (ledger and shipments, by cursor): finance reads it with an ops manager's or a merchant's token.
    "erp": frozenset({OPS_MANAGER, MERCHANT}),
    # The end-of-day close-out of a warehouse: its report, and running it by hand before the cut-off.
    "day_close": frozenset({WAREHOUSE_MANAGER, OPS_MANAGER}),
    "orders": frozenset({CUSTOMER_SERVICE, OPS_MANAGER, WAREHOUSE_MANAGER}),
    "catalog": frozenset({INVENTORY_CONTROLLER, WAREHOUSE_MANAGER, OPS_MANAGER, CUSTOMER_SERVICE, MERCHANT}),
    "catalog_edit": frozenset({INVENTORY_CONTROLLER, WAREHOUSE_MANAGER, MERCHANT}),
    "portal": frozenset({MERCHANT}),
    "order_read": frozenset({CUSTOMER_SERVICE, OPS_MANAGER, WAREHOUSE_MANAGER, MERCHANT}),
    "order_intake": frozenset({CUSTOMER_SERVICE, OPS_MANAGER, MERCHANT}),
    # Lot recalls: read by those who answer for stock and customers, raised by those who answer for stock (and by a
    # merchant for its own products); a recall flags every bin holding the lot.
    "recalls": frozenset({INVENTORY_CONTROLLER, WAREHOUSE_MANAGER, OPS_MANAGER, CUSTOMER_SERVICE, MERCHANT}),
    "recall_manage": frozenset({INVENTORY_CONTROLLER, WAREHOUSE_MANAGER, OPS_MANAGER, MERCHANT}),
    # Serial trace (a unit's receipt, order, shipment and return) and an order's serials: whoever reads orders, and
    # those who receive, count and take back units.
    "serials": frozenset({CUSTOMER_SERVICE, OPS_MANAGER, WAREHOUSE_MANAGER, INVENTORY_CONTROLLER, RETURNS_PROCESSOR,
                          MERCHANT}),
    # Outbound event webhooks: a merchant's subscriptions and deliveries (its own); operations see and replay them.
    "webhooks": frozenset({OPS_MANAGER, MERCHANT}),
    # 3PL billing: rate cards, special projects, invoices generated and issued (finance sits with operations).
    "billing": frozenset({OPS_MANAGER}),
    # Invoices read: billing staff all of them, a merchant its own issued ones.
    "invoices": frozenset({OPS_MANAGER, MERCHANT}),
    # Any warehouse staff role (reads of the layout, e.g. bins for a handheld).
    "warehouse_floor": frozenset(set(STAFF_ROLES)),
}

# Model permissions each role gets, so the admin is usable for support within the role.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    INVENTORY_CONTROLLER: ("inventory.view_product", "inventory.view_merchant", "layout.view_bin"),
    WAREHOUSE_MANAGER: (
        "layout.view_warehouse",
        "layout.change_warehouse",
        "layout.view_zone",
        "layout.add_zone",
        "layout.change_zone",
        "layout.view_bin",
        "layout.add_bin",
        "layout.change_bin",
        "inventory.view_product",
    ),
    OPS_MANAGER: ("layout.view_warehouse", "inventory.view_product", "inventory.view_merchant"),
    CUSTOMER_SERVICE: ("inventory.view_product",),
}


def roles_of(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_wms_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {ADMIN}
        user._wms_roles = cached
    return cached


# Areas for a merchant's own users only: an admin has every other area, but the portal shows one merchant's data to
# that merchant, so staff are refused it (403) and read merchants' data through the staff pages.
MERCHANT_ONLY_AREAS = frozenset({"portal"})


def may_use(user, area: str) -> bool:
    roles = roles_of(user)
    return (ADMIN in roles and area not in MERCHANT_ONLY_AREAS) or bool(roles & AREAS[area])


def ensure_roles() -> None:
    """Create the role groups and grant their model permissions (idempotent)."""
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = ROLE_PERMISSIONS.get(role, ())
        permissions: list[Permission] = []
        for dotted in wanted:
            app_label, codename = dotted.split(".")
            permissions.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        if role == ADMIN:
            permissions = list(Permission.objects.all())
        group.permissions.set(permissions)
