"""Reads of inventory state. Writes live in inventory.services."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from inventory.models import Merchant, Product, ProductBarcode


def merchant_of(user) -> Merchant | None:
    """The merchant a merchant user belongs to; None for staff."""
    membership = getattr(user, "merchant_membership", None)  # missing row raises an AttributeError subclass
    return membership.merchant if membership else None


def products_visible_to(user) -> QuerySet[Product]:
    return Product.objects.visible_to(user).select_related("merchant").prefetch_related("barcodes")


def product_by_barcode(*, merchant: Merchant, gtin: str) -> Product | None:
    barcode = ProductBarcode.objects.for_merchant(merchant).filter(gtin=gtin).select_related("product").first()
    return barcode.product if barcode else None


# --- stock reads ---------------------------------------------------------------------------


def stock_by_warehouse(product: Product) -> QuerySet:
    from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from inventory.models import InTransitStock, StockLevel

    # Units shipped to the building by a transfer and not yet received: inbound there, available nowhere.
    inbound = (InTransitStock.objects.filter(product=OuterRef("product_id"), to_warehouse=OuterRef("warehouse_id"))
               .order_by().values("to_warehouse").annotate(n=Sum("qty")).values("n"))
    return (StockLevel.objects.filter(product=product).select_related("warehouse")
            .annotate(in_transit_inbound=Coalesce(Subquery(inbound, output_field=IntegerField()), Value(0)))
            .order_by("warehouse__code"))


def stock_by_bin(product: Product, *, warehouse=None) -> QuerySet:
    from inventory.models import BinStock

    rows = BinStock.objects.filter(product=product, qty__gt=0).select_related("bin", "warehouse")
    if warehouse is not None:
        rows = rows.filter(warehouse=warehouse)
    return rows.order_by("warehouse__code", "bin__pick_sequence", "bin__code", "condition", "lot")


def stock_by_condition(product: Product, *, warehouse=None) -> dict[str, int]:
    from django.db.models import Sum

    rows = stock_by_bin(product, warehouse=warehouse).order_by().values("condition").annotate(n=Sum("qty"))
    return {row["condition"]: row["n"] for row in rows}


def available_to_sell(product: Product, *, warehouse_ids=None) -> int:
    """Across warehouses (or only those of `warehouse_ids`, as a storefront location stocked by them sells);
    a warehouse that is over-committed counts as zero, not negative. A bundle's is derived from its
    components: the fewest whole bundles any one component can make."""
    from inventory.models import StockLevel

    components = bundle_recipe([product.pk]).get(product.pk)
    if components:
        return bundle_available(components, _available_by_product(components, warehouse_ids))
    levels = StockLevel.objects.filter(product=product, warehouse__is_active=True)
    if warehouse_ids is not None:
        levels = levels.filter(warehouse_id__in=list(warehouse_ids))
    return sum(max(level.available, 0) for level in levels)


def bundle_recipe(product_ids) -> dict[int, dict[int, int]]:
    """bundle id -> {component id: units per bundle}, for those of `product_ids` that are bundles."""
    from inventory.models import BundleComponent

    recipe: dict[int, dict[int, int]] = {}
    for bundle_id, component_id, qty in BundleComponent.objects.filter(bundle_id__in=list(product_ids)).values_list(
        "bundle_id", "component_id", "quantity"
    ):
        recipe.setdefault(bundle_id, {})[component_id] = qty
    return recipe


def bundle_available(components: dict[int, int], available: dict[int, int]) -> int:
    """min over components of floor(component available / units per bundle)."""
    return min((max(available.get(component_id, 0), 0) // qty for component_id, qty in components.items()), default=0)


def bundles_containing(product_ids) -> list[int]:
    """The bundles whose availability moves when any of these products' stock does."""
    from inventory.models import BundleComponent

    return sorted(set(BundleComponent.objects.filter(component_id__in=list(product_ids)).values_list("bundle_id", flat=True)))


def _available_by_product(components: dict[int, int], warehouse_ids=None) -> dict[int, int]:
    from inventory.models import StockLevel

    totals: dict[int, int] = {}
    levels = StockLevel.objects.filter(product_id__in=list(components), warehouse__is_active=True)
    if warehouse_ids is not None:
        levels = levels.filter(warehouse_id__in=list(warehouse_ids))
    for level in levels:
        totals[level.product_id] = totals.get(level.product_id, 0) + max(level.available, 0)
    return totals


def available_to_sell_by_sku(merchant: Merchant, skus=None) -> dict[str, int]:
    from django.db.models import F

    from inventory.models import StockLevel

    levels = StockLevel.objects.filter(product__merchant=merchant, warehouse__is_active=True)
    if skus is not None:
        levels = levels.filter(product__sku__in=list(skus))
    totals: dict[str, int] = {}
    for sku, available in levels.annotate(avail=F("on_hand") - F("allocated") - F("unavailable")).values_list(
        "product__sku", "avail"
    ):
        totals[sku] = totals.get(sku, 0) + max(available, 0)
    bundles = Product.objects.filter(merchant=merchant, components__isnull=False).distinct()
    if skus is not None:
        bundles = bundles.filter(sku__in=list(skus))
    bundle_ids = dict(bundles.values_list("pk", "sku"))
    if bundle_ids:
        recipe = bundle_recipe(bundle_ids)
        available_by_id = _available_by_product({c: 1 for parts in recipe.values() for c in parts})
        for bundle_id, components in recipe.items():
            totals[bundle_ids[bundle_id]] = bundle_available(components, available_by_id)
    return totals


def on_hand_as_of(product: Product, *, warehouse, at) -> int:
    """On hand at a past moment, rebuilt from the ledger."""
    from django.db.models import Sum

    from inventory.models import Movement

    return (
        Movement.objects.filter(product=product, warehouse=warehouse, created_at__lte=at).aggregate(n=Sum("qty"))["n"] or 0
    )


def movement_history(*, product: Product | None = None, bin=None, warehouse=None) -> QuerySet:
    """Who moved what, when and why, newest first."""
    from inventory.models import Movement

    movements = Movement.objects.select_related("product", "bin", "warehouse")
    if product is not None:
        movements = movements.filter(product=product)
    if bin is not None:
        movements = movements.filter(bin=bin)
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    return movements.order_by("-created_at", "-id")


def low_stock_products(*, merchant: Merchant | None = None, user=None) -> QuerySet:
    """Open low-stock alerts; for a staff `user`, only those of their merchants and warehouses."""
    from inventory.models import LowStockAlert
    from inventory.models.tenancy import staff_scope_q

    alerts = LowStockAlert.objects.filter(recovered_at__isnull=True).select_related("product__merchant", "warehouse")
    if user is not None:
        alerts = alerts.filter(staff_scope_q(user, merchant="product__merchant_id")).filter(
            Q(warehouse__isnull=True) | staff_scope_q(user, warehouse="warehouse_id"))  # no warehouse: all of them
    if merchant is not None:
        alerts = alerts.filter(product__merchant=merchant)
    return alerts.order_by("product__merchant__code", "product__sku")


def with_stock_totals(products):
    """Each product with its units on hand and available to sell across active warehouses (an over-committed
    warehouse counts as zero available), as two subqueries: one query for the whole page, whatever its length."""
    from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce, Greatest

    from inventory.models import StockLevel

    levels = StockLevel.objects.filter(product=OuterRef("pk"), warehouse__is_active=True).order_by().values("product")
    on_hand = levels.annotate(total=Sum("on_hand")).values("total")
    available = levels.annotate(
        total=Sum(Greatest(F("on_hand") - F("allocated") - F("unavailable"), Value(0)))).values("total")
    return products.annotate(
        units_on_hand=Coalesce(Subquery(on_hand, output_field=IntegerField()), 0),
        units_available=Coalesce(Subquery(available, output_field=IntegerField()), 0),
    )
