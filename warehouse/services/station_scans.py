"""Apply a station submission exactly once, keyed by the client's scan id for that user at that station.

The scan id's row is inserted first, in the same transaction as the action: a concurrent duplicate
waits on the unique key, then finds the row and gets the first answer back without re-applying.
A refused scan is recorded too, so its retry answers with the same refusal.

An action that must talk to the network (closing a pack buys labels) returns a reply with `then`: the
rest of the work, run once the scan's transaction has committed, whose reply is recorded for the scan id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from core.errors import DomainError
from core.transactions import shared_savepoint
from warehouse.models import StationScan
from warehouse.scanning import ScanError, scan_input_check


class BadScanId(DomainError):
    code = "bad_scan_id"


@dataclass
class StationReply:
    ok: bool
    message: str
    data: dict = field(default_factory=dict)
    replayed: bool = False
    # What is left to do after the transaction that produced this reply commits (no transaction open).
    then: Callable[[], StationReply] | None = field(default=None, repr=False, compare=False)
    # What the station shows next, as the action left it (objects in hand, never stored with the scan id): the
    # view renders it instead of reading it again. None: the view reads the screen's state itself.
    panel: dict | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "message": self.message, "data": dict(self.data), "replayed": self.replayed}


def station_reply_settle(reply: StationReply) -> StationReply:
    """Run what the reply left for after the commit; its refusal becomes the reply, as a scan's would."""
    if reply.then is None:
        return reply
    try:
        return reply.then()
    except (DomainError, ScanError) as exc:
        return StationReply(ok=False, message=getattr(exc, "message", None) or str(exc),
                            data={"code": getattr(exc, "code", "bad_scan")})


def apply_scan_once(*, scan_id, station: str, user, raw: str, action: Callable[[], StationReply],
                    on_refusal: Callable[[], None] | None = None) -> StationReply:
    """`on_refusal` runs in the scan's transaction when the scan is refused: a station forgets the quantity
    typed for the next item, so a refusal never carries it over to a later scan."""
    scan_uuid = _uuid(scan_id)
    user_id = getattr(user, "pk", None)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO warehouse_stationscan (scan_id, station, user_id, raw, ok, message, result, created_at)"
                " VALUES (%s, %s, %s, %s, true, '', '{}'::jsonb, now())"
                " ON CONFLICT (user_id, station, scan_id) DO NOTHING RETURNING id",
                [scan_uuid, station, user_id, _storable(raw)],
            )
            row = cursor.fetchone()
        if row is None:
            seen = StationScan.objects.get(user=user, station=station, scan_id=scan_uuid)
            return StationReply(ok=seen.ok, message=seen.message, data=seen.result, replayed=True)
        row_id = row[0]
        try:
            scan_input_check(raw)
            with shared_savepoint():  # the action's services share this one savepoint: a refusal undoes all of it
                reply = action()
        except (DomainError, ScanError) as exc:
            reply = StationReply(ok=False, message=getattr(exc, "message", None) or str(exc),
                                 data={"code": getattr(exc, "code", "bad_scan")})
        if not reply.ok and on_refusal is not None:
            on_refusal()
        _record(row_id, reply)
    if reply.then is not None:
        reply = station_reply_settle(reply)
        _record(row_id, reply)
    return reply


def _storable(raw: str | None) -> str:
    """The scan as kept for its replay: NUL cannot be stored in a text column, so it is kept visibly."""
    return (raw or "").replace("\x00", "\\x00")[:200]


def _record(row_id: int, reply: StationReply) -> None:
    StationScan.objects.filter(pk=row_id).update(ok=reply.ok, message=reply.message[:300], result=reply.data)


def _uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise BadScanId("every scan needs a scan id (a UUID made by the station)") from None
