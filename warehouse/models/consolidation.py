"""Consolidation at the pack station: every tote an order was picked into (one per zone in a zone wave) is
scanned in before a unit of it is packed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from warehouse.models.packing import Pack


class PackTote(models.Model):
    """A tote of the pack's order: expected when the pack starts, in once the packer scans it at the station."""

    pack = models.ForeignKey(Pack, on_delete=models.CASCADE, related_name="totes")
    tote = models.ForeignKey("layout.Bin", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField(null=True, blank=True, help_text="Scanned in at the pack station")
    arrived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["pack_id", "tote__code"]
        constraints = [models.UniqueConstraint(fields=["pack", "tote"], name="pack_tote_once")]

    def __str__(self) -> str:
        return f"{self.pack} {self.tote_id}"
