"""Station submissions by client-generated scan id: a retried or double-submitted scan is applied once.

A scan id is one user's at one station: another user (or the same user at another station) who happens to
send the same id is a different scan, applied on its own and never answered with someone else's reply."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StationScan(models.Model):
    id = models.BigAutoField(primary_key=True)
    scan_id = models.UUIDField()
    station = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raw = models.CharField(max_length=200)
    ok = models.BooleanField(default=True)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["station", "created_at"]),
            # Refused scans are few: the dashboards count pack-out mismatches among them.
            models.Index(fields=["station", "created_at"], condition=models.Q(ok=False), name="station_scan_refused"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "station", "scan_id"], name="stationscan_once_per_user_station"),
        ]
