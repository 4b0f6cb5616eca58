"""Reads of the end-of-day close-outs, for the managers' pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from inventory.tenancy import warehouses_visible_to
from layout.models import Warehouse
from ops.models import DayClose


def day_close_warehouses(user) -> QuerySet[Warehouse]:
    return warehouses_visible_to(user).filter(is_active=True).order_by("code")


def day_closes_of(warehouse: Warehouse, *, limit: int = 14) -> list[DayClose]:
    return list(DayClose.objects.filter(warehouse=warehouse).select_related("closed_by").order_by("-day")[:limit])


def day_close_on(warehouse: Warehouse, day: dt.date) -> DayClose | None:
    return DayClose.objects.filter(warehouse=warehouse, day=day).select_related("closed_by").first()
