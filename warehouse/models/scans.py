"""Station submissions by client-generated scan id: a retried or double-submitted scan is applied once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StationScan(models.Model):
    scan_id = models.UUIDField(primary_key=True)
    station = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raw = models.CharField(max_length=200)
    ok = models.BooleanField(default=True)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["station", "created_at"])]
