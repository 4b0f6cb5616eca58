"""Transfer pages for managers: list (with what is inbound in transit), create, detail with each step, and the
imbalance proposals that turn into a draft transfer in one click."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import area_required
from core.errors import DomainError
from inventory.models import Merchant, Product
from inventory.tenancy import staff_scoped, warehouses_visible_to
from layout.models import Bin
from warehouse.models import TransferOrder, TransferStatus
from warehouse.outbound.services.transfer_labels import transfer_labels_void
from warehouse.scanning import ScanError, parse_scan
from warehouse.services.transfers import (
    MAX_LINE_QTY,
    MAX_LINES,
    InvalidTransfer,
    TransferLineInput,
    transfer_cancel,
    transfer_close_short,
    transfer_create,
    transfer_pick,
    transfer_receive,
    transfer_release,
    transfer_ship,
)
from warehouse.transfer_selectors import (
    LIVE_PARCEL,
    in_transit_inbound,
    transfer_parcels,
    transfer_proposals,
    transfers_visible_to,
)


def _clean(value: str | None, *, limit: int = 255) -> str:
    value = (value or "").strip()
    if "\x00" in value or len(value) > limit:
        raise InvalidTransfer(f"a value is longer than {limit} characters or holds a NUL byte")
    return value


def _choice(rows, value: str | None, what: str):
    row = rows.filter(pk=int(value)).first() if (value or "").isdigit() and len(value or "") < 10 else None
    if row is None:
        raise InvalidTransfer(f"choose a {what} from the list")
    return row


@area_required("transfers")
def transfer_list(request):
    rows = transfers_visible_to(request.user)
    status = request.GET.get("status", "")
    warehouses = warehouses_visible_to(request.user).filter(is_active=True).order_by("code")
    try:
        query = _clean(request.GET.get("q"), limit=40)
        to = _clean(request.GET.get("to"), limit=20)
    except DomainError as exc:
        messages.error(request, exc.message)
        query = to = ""
    if status in TransferStatus.values:
        rows = rows.filter(status=status)
    if query:
        exact = rows.filter(number__iexact=query).first()
        if exact is not None:  # a scanned transfer number opens it, as at the receiving dock
            return redirect("warehouse:transfer_detail", pk=exact.pk)
        rows = rows.filter(number__icontains=query)
    destination = warehouses.filter(code=to).first() if to else None
    if destination is not None:
        rows = rows.filter(to_warehouse=destination)
    page = Paginator(rows.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "warehouse/transfer_list.html", {
        "page": page, "status": status if status in TransferStatus.values else "", "query": query,
        "statuses": TransferStatus.choices, "warehouses": warehouses, "destination": destination,
        "inbound": in_transit_inbound(warehouse=destination, user=request.user)[:200] if destination else [],
    })


@area_required("transfers")
def transfer_create_page(request):
    merchants = staff_scoped(Merchant.objects.filter(is_active=True), request.user, merchant="pk").order_by("code")
    warehouses = warehouses_visible_to(request.user).filter(is_active=True).order_by("code")
    form = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        try:
            merchant = _choice(merchants, request.POST.get("merchant"), "merchant")
            transfer = transfer_create(
                merchant=merchant, from_warehouse=_choice(warehouses, request.POST.get("from_warehouse"), "source"),
                to_warehouse=_choice(warehouses, request.POST.get("to_warehouse"), "destination"),
                lines=_lines(merchant, request.POST.get("lines", "")), note=_clean(request.POST.get("note")),
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Transfer {transfer.number} drafted")
            return redirect("warehouse:transfer_detail", pk=transfer.pk)
    return render(request, "warehouse/transfer_form.html", {"merchants": merchants, "warehouses": warehouses, "form": form})


def _lines(merchant: Merchant, text: str) -> list[TransferLineInput]:
    """One `SKU,qty` per line."""
    if "\x00" in text or len(text) > 50_000:
        raise InvalidTransfer("the lines are too long or hold a NUL byte")
    parsed = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        sku, _, qty = raw.partition(",")
        sku, qty = sku.strip(), qty.strip()
        if not sku or not qty.isascii() or not qty.isdigit() or not 0 < int(qty) <= MAX_LINE_QTY:
            raise InvalidTransfer(f"line {number}: write SKU,quantity (a whole number from 1 to {MAX_LINE_QTY})")
        parsed.append((sku[:64], int(qty)))
    if len(parsed) > MAX_LINES:
        raise InvalidTransfer(f"a transfer has at most {MAX_LINES} lines")
    products = {p.sku: p for p in Product.objects.filter(merchant=merchant, sku__in=[sku for sku, _ in parsed])}
    unknown = sorted({sku for sku, _ in parsed} - set(products))
    if unknown:
        raise InvalidTransfer(f"unknown SKU for {merchant.code}: {', '.join(unknown[:10])}")
    return [TransferLineInput(product=products[sku], qty=qty) for sku, qty in parsed]


@area_required("transfers")
def transfer_detail(request, pk):
    transfer = get_object_or_404(transfers_visible_to(request.user), pk=pk)
    parcels = list(transfer_parcels(transfer.pk).select_related("destination"))
    labelled = any(parcel.status in LIVE_PARCEL for parcel in parcels)
    picking = transfer.status == TransferStatus.PICKING
    return render(request, "warehouse/transfer_detail.html", {
        "transfer": transfer, "lines": transfer.lines.all(), "parcels": parcels, "labelled": labelled,
        "can_release": transfer.status == TransferStatus.DRAFT,
        "can_cancel": transfer.status in (TransferStatus.DRAFT, TransferStatus.RELEASED),
        "can_pick": transfer.status in (TransferStatus.RELEASED, TransferStatus.PICKING) and not labelled,
        "can_label": picking and not labelled and any(line.picked_qty for line in transfer.lines.all()),
        "can_ship": picking and not labelled,
        "can_void": picking and labelled,
        "can_receive": transfer.status in (TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED),
    })


@require_POST
@area_required("transfers")
def transfer_action(request, pk):
    transfer = get_object_or_404(transfers_visible_to(request.user), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "release":
            transfer_release(transfer=transfer, actor=request.user)
        elif action == "cancel":
            transfer_cancel(transfer=transfer, actor=request.user)
        elif action == "pick":
            transfer_pick(
                transfer=transfer, product=_product(transfer, request.POST.get("item")),
                from_bin=_bin(transfer.from_warehouse_id, request.POST.get("from_bin")),
                to_bin=_bin(transfer.from_warehouse_id, request.POST.get("to_bin")),
                qty=_qty(request.POST.get("qty")), actor=request.user,
            )
        elif action == "ship":
            transfer_ship(transfer=transfer, actor=request.user, carrier=_clean(request.POST.get("carrier"), limit=40),
                          tracking_number=_clean(request.POST.get("tracking_number"), limit=60))
        elif action == "void_labels":
            transfer_labels_void(transfer=transfer, actor=request.user, reason=request.POST.get("reason", ""))
        elif action == "receive":
            transfer_receive(
                transfer=transfer, product=_product(transfer, request.POST.get("item")), qty=_qty(request.POST.get("qty")),
                dock_bin=_bin(transfer.to_warehouse_id, request.POST.get("dock_bin")), actor=request.user,
            )
        elif action == "close_short":
            transfer_close_short(transfer=transfer, actor=request.user, reason=_clean(request.POST.get("reason")))
        else:
            raise InvalidTransfer("unknown action")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Transfer {transfer.number}: {action.replace('_', ' ')} done")
    return redirect("warehouse:transfer_detail", pk=transfer.pk)


def _qty(value: str | None) -> int:
    value = (value or "1").strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_LINE_QTY:
        raise InvalidTransfer(f"quantity must be a whole number from 1 to {MAX_LINE_QTY}")
    return int(value)


def _bin(warehouse_id: int, code: str | None) -> Bin:
    code = _clean(code, limit=40)
    bin_ = Bin.objects.filter(warehouse_id=warehouse_id, code=code).first() if code else None
    if bin_ is None:
        raise InvalidTransfer(f"no bin {code!r} in this warehouse")
    return bin_


def _product(transfer: TransferOrder, raw: str | None) -> Product:
    """A scanned barcode or a typed SKU of the transfer's merchant."""
    raw = _clean(raw, limit=120)
    products = Product.objects.filter(merchant_id=transfer.merchant_id)
    found = products.filter(sku=raw).first() if raw else None
    if found is None and raw:
        try:
            scan = parse_scan(raw)
        except ScanError:
            scan = None
        gtin = getattr(scan, "gtin", None) if scan is not None else None
        if gtin:
            found = products.filter(barcodes__gtin=gtin).first()
    if found is None:
        raise InvalidTransfer(f"no product {raw!r} for {transfer.merchant.code}")
    return found


@area_required("transfers")
def transfer_proposal_list(request):
    return render(request, "warehouse/transfer_proposals.html", {"proposals": transfer_proposals(user=request.user)})


@require_POST
@area_required("transfers")
def transfer_propose(request):
    """One click: a proposal becomes a draft transfer."""
    warehouses = warehouses_visible_to(request.user).filter(is_active=True)
    try:
        products = staff_scoped(Product.objects.filter(is_active=True), request.user, merchant="merchant_id")
        product = _choice(products.select_related("merchant"), request.POST.get("product"), "product")
        transfer = transfer_create(
            merchant=product.merchant, from_warehouse=_choice(warehouses, request.POST.get("from_warehouse"), "source"),
            to_warehouse=_choice(warehouses, request.POST.get("to_warehouse"), "destination"),
            lines=[TransferLineInput(product=product, qty=_qty(request.POST.get("qty")))],
            note="proposed from stock imbalance", actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("warehouse:transfer_proposals")
    messages.success(request, f"Transfer {transfer.number} drafted")
    return redirect("warehouse:transfer_detail", pk=transfer.pk)
