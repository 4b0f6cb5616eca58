"""A scan id is deduplicated for one user at one station, never across users or stations."""

import uuid

import pytest

from core import roles
from tests.factories import UserFactory
from warehouse.models import StationScan
from warehouse.services.station_scans import StationReply, apply_scan_once

pytestmark = pytest.mark.django_db


def _scan(sid, station, user, applied):
    def action():
        applied.append((station, user.pk))
        return StationReply(ok=True, message=f"{station} scan by {user.get_username()}")

    return apply_scan_once(scan_id=sid, station=station, user=user, raw="X", action=action)


def test_a_packer_reusing_a_receivers_scan_id_gets_its_own_scan_applied(roles_ready):
    receiver, packer = UserFactory(role=roles.RECEIVER), UserFactory(role=roles.PACKER)
    sid, applied = uuid.uuid4(), []
    first = _scan(sid, "receiving", receiver, applied)
    theirs = _scan(sid, "pack", packer, applied)
    assert not theirs.replayed and theirs.message == f"pack scan by {packer.get_username()}"
    other_user_same_station = _scan(sid, "receiving", packer, applied)
    assert not other_user_same_station.replayed
    retry = _scan(sid, "receiving", receiver, applied)
    assert retry.replayed and retry.message == first.message
    assert applied == [("receiving", receiver.pk), ("pack", packer.pk), ("receiving", packer.pk)]
    assert StationScan.objects.filter(scan_id=sid).count() == 3
