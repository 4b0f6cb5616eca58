"""Kit work order pages for warehouse managers and inventory control: list, create, release, complete,
cancel. Thin: parse the form, call one service, show the result or the refusal."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from inventory.exceptions import InvalidProduct, InvalidQuantity, UnknownSku
from inventory.models import KitWorkOrder, Movement
from inventory.selectors import products_visible_to
from inventory.services.kits import (
    KIT_ACTIONS,
    KitComponent,
    bundle_component_remove,
    bundle_component_set,
    kit_work_order_action,
    kit_work_order_create,
)
from inventory.tenancy import warehouses_visible_to

MAX_INPUT = 2000


def _text(request, name: str, limit: int) -> str:
    value = request.POST.get(name, "")
    if "\x00" in value or len(value) > limit:
        raise InvalidProduct(f"{name.replace('_', ' ')}: at most {limit} characters, no NUL bytes")
    return value.strip()


def _number(value: str, what: str) -> int:
    value = value.strip()
    if not value.isdigit() or len(value) > 9:
        raise InvalidQuantity(f"{what} must be a whole number, got {value[:20]!r}")
    return int(value)


def _product(user, sku: str, merchant_id: int | None = None):
    products = products_visible_to(user).filter(sku=sku)
    if merchant_id:
        products = products.filter(merchant_id=merchant_id)
    matches = list(products[:2])
    if not matches:
        raise UnknownSku(f"unknown SKU {sku[:64]!r}")
    if len(matches) > 1:
        raise InvalidProduct(f"SKU {sku!r} exists for several merchants")
    return matches[0]


def _work_orders(user):
    return KitWorkOrder.objects.visible_to(user).select_related("kit", "warehouse", "merchant", "to_bin")


@area_required("inventory")
def kit_work_order_list(request):
    status = request.GET.get("status", "")
    orders = _work_orders(request.user)
    if status in KitWorkOrder.Status.values:
        orders = orders.filter(status=status)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(request, "inventory/kit_work_orders.html", {
        "page": page, "status": status, "statuses": KitWorkOrder.Status.choices,
        "warehouses": warehouses_visible_to(request.user).filter(is_active=True).order_by("code"),
    })


@area_required("inventory_adjust")
@require_POST
def kit_work_order_new(request):
    """components: one `SKU quantity-per-kit` per line."""
    try:
        kit = _product(request.user, _text(request, "kit", 64))
        warehouse = warehouses_visible_to(request.user).filter(code=_text(request, "warehouse", 16)).first()
        if warehouse is None:
            raise InvalidProduct("choose a warehouse")
        components = []
        for row in _text(request, "components", MAX_INPUT).splitlines():
            parts = row.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise InvalidProduct(f"component line {row[:80]!r}: write the SKU and the units per kit")
            components.append(KitComponent(_product(request.user, parts[0][:64], kit.merchant_id),
                                           _number(parts[1], f"units of {parts[0][:64]} per kit")))
        order = kit_work_order_create(kit=kit, warehouse=warehouse, qty=_number(_text(request, "qty", 12), "quantity"),
                                      components=components, actor=request.user, note=_text(request, "note", 255))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("inventory:kit_work_order_list")
    messages.success(request, f"Kit work order {order.pk} drafted")
    return redirect("inventory:kit_work_order_detail", pk=order.pk)


@area_required("inventory")
def kit_work_order_detail(request, pk):
    order = get_object_or_404(_work_orders(request.user), pk=pk)
    return render(request, "inventory/kit_work_order_detail.html", {
        "order": order, "lines": order.lines.select_related("component"),
        "movements": Movement.objects.filter(reference=f"kit_work_order:{order.pk}").select_related("product", "bin"),
    })


@area_required("inventory_adjust")
@require_POST
def kit_work_order_act(request, pk, action):
    order = get_object_or_404(_work_orders(request.user), pk=pk)
    try:
        if action not in KIT_ACTIONS:
            raise InvalidProduct(f"unknown action {action[:20]!r}")
        kit_work_order_action(work_order=order, action=action, actor=request.user,
                              to_bin=_text(request, "to_bin", 32), reason=_text(request, "reason", 200))
        messages.success(request, f"Kit work order {order.pk}: {action} done")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:kit_work_order_detail", pk=order.pk)


@require_POST
@area_required("catalog_edit")
def bundle_components_edit(request, pk):
    """The product page's bundle form: `action` add (SKU and units per bundle; a SKU already in it gets the new
    quantity) or remove (SKU). Orders already taken keep the components they were exploded into."""
    bundle = get_object_or_404(products_visible_to(request.user), pk=pk)
    try:
        sku = _text(request, "sku", 64)
        if not sku:
            raise InvalidProduct("give the component's SKU")
        component = _product(request.user, sku, bundle.merchant_id)
        if request.POST.get("action") == "remove":
            if bundle_component_remove(bundle=bundle, component=component, actor=request.user):
                messages.success(request, f"{component.sku} taken out of {bundle.sku}")
            else:
                messages.error(request, f"{component.sku} is not a component of {bundle.sku}")
        else:
            quantity = _number(_text(request, "quantity", 9) or "1", "units per bundle")
            bundle_component_set(bundle=bundle, component=component, quantity=quantity, actor=request.user)
            messages.success(request, f"{bundle.sku} holds {quantity} x {component.sku}")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inventory:product_stock", pk=bundle.pk)
