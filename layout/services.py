"""Writes to the warehouse layout: zones and bins, one at a time or from CSV."""

from __future__ import annotations

from core.csv_import import ImportReport, RowInvalid, read_csv_rows, run_import
from layout.models import Bin, Warehouse, Zone

BIN_CSV_COLUMNS = ("warehouse", "zone", "code")
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"0", "false", "no", "n"}


def bins_import(*, source) -> ImportReport:
    """Create or update bins from CSV.

    Columns: warehouse, zone, code; optional zone_kind (creates the zone when new), kind, walk_x,
    walk_y, aisle, pick_sequence, capacity, pickable, active.
    """
    warehouses: dict[str, Warehouse] = {}

    def handle(row: dict) -> str:
        code = row["warehouse"]
        if code not in warehouses:
            warehouse = Warehouse.objects.filter(code=code).first()
            if warehouse is None:
                raise RowInvalid(f"unknown warehouse {code!r}")
            warehouses[code] = warehouse
        warehouse = warehouses[code]
        zone = _zone_for(warehouse, row)
        if not row["code"]:
            raise RowInvalid("bin code is required")
        values = {
            "zone": zone,
            "kind": row.get("kind") or Bin.Kind.SHELF,
            "walk_x": _int(row, "walk_x", 0, allow_negative=True),
            "walk_y": _int(row, "walk_y", 0, allow_negative=True),
            "aisle": row.get("aisle", ""),
            "pick_sequence": _int(row, "pick_sequence", 0),
            "capacity": _int(row, "capacity", None),
            "is_pickable": _bool(row, "pickable", True),
            "is_active": _bool(row, "active", True),
        }
        if values["kind"] not in Bin.Kind.values:
            raise RowInvalid(f"unknown bin kind {values['kind']!r} (one of {', '.join(Bin.Kind.values)})")
        existing = Bin.objects.filter(warehouse=warehouse, code=row["code"]).first()
        target = existing or Bin(warehouse=warehouse, code=row["code"])
        for field, value in values.items():
            setattr(target, field, value)
        target.full_clean(validate_unique=False)
        target.save()
        return "updated" if existing else "created"

    return run_import(read_csv_rows(source, BIN_CSV_COLUMNS), handle)


def _zone_for(warehouse: Warehouse, row: dict) -> Zone:
    zone = Zone.objects.filter(warehouse=warehouse, code=row["zone"]).first()
    if zone:
        return zone
    kind = row.get("zone_kind", "")
    if not kind:
        raise RowInvalid(f"unknown zone {row['zone']!r} in {warehouse.code}; give zone_kind to create it")
    if kind not in Zone.Kind.values:
        raise RowInvalid(f"unknown zone kind {kind!r} (one of {', '.join(Zone.Kind.values)})")
    return Zone.objects.create(warehouse=warehouse, code=row["zone"], name=row["zone"], kind=kind)


def _int(row: dict, field: str, default, *, allow_negative: bool = False):
    raw = row.get(field, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RowInvalid(f"{field} must be a whole number, got {raw!r}") from None
    if value < 0 and not allow_negative:
        raise RowInvalid(f"{field} must not be negative, got {value}")
    return value


def _bool(row: dict, field: str, default: bool) -> bool:
    raw = row.get(field, "").lower()
    if raw == "":
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise RowInvalid(f"{field} must be yes or no, got {raw!r}")
