"""Pick faces: where a SKU is picked from in a warehouse and the band (min, max) replenishment keeps it in.

A face is a pickable storage bin of its warehouse; one face per SKU and warehouse (a unique constraint). A change
of band locks the face row, the same row `replenishment_raise` locks, so a raise never decides on a half-changed
band."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from core.errors import Conflict, DomainError
from inventory.models import Product
from layout.models import Bin, Warehouse
from warehouse.models import PickFace

MAX_BAND = 1_000_000


class PickFaceRefused(DomainError):
    code = "pick_face_refused"


def _band_checked(min_qty: int, max_qty: int) -> None:
    for name, value in (("min_qty", min_qty), ("max_qty", max_qty)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_BAND:
            raise PickFaceRefused(f"{name} must be a whole number from 0 to {MAX_BAND}", field=name)
    if max_qty < 1 or min_qty >= max_qty:
        raise PickFaceRefused(f"the band must have 0 <= min < max and max >= 1, got {min_qty}-{max_qty}")


@transaction.atomic
def pick_face_create(*, warehouse: Warehouse, bin: Bin, product: Product, min_qty: int, max_qty: int, actor) -> PickFace:
    """Make `bin` the face of `product` in `warehouse`, kept between `min_qty` and `max_qty`."""
    _band_checked(min_qty, max_qty)
    if bin.warehouse_id != warehouse.pk:
        raise PickFaceRefused(f"bin {bin.code} is not in {warehouse.code}", field="bin")
    if bin.kind not in Bin.STORAGE_KINDS or not bin.is_pickable or not bin.is_active:
        raise PickFaceRefused(f"bin {bin.code} is not an active pickable storage bin: a face must be picked from",
                              field="bin")
    try:
        with transaction.atomic():
            return PickFace.objects.create(warehouse=warehouse, bin=bin, product=product, min_qty=min_qty, max_qty=max_qty)
    except IntegrityError:
        raise Conflict(f"{product.sku} already has a pick face in {warehouse.code}") from None


@transaction.atomic
def pick_face_update(*, face: PickFace, actor, min_qty: int | None = None, max_qty: int | None = None,
                     is_active: bool | None = None) -> PickFace:
    """Change a face's band or switch it off (an inactive face raises no replenishment)."""
    face = (PickFace.objects.select_for_update(of=("self",), no_key=True)
            .select_related("warehouse", "bin", "product").get(pk=face.pk))
    new_min = face.min_qty if min_qty is None else min_qty
    new_max = face.max_qty if max_qty is None else max_qty
    _band_checked(new_min, new_max)
    face.min_qty, face.max_qty = new_min, new_max
    if is_active is not None:
        face.is_active = bool(is_active)
    face.save(update_fields=["min_qty", "max_qty", "is_active"])
    return face
