"""Incremental feeds that never skip or repeat a row while new rows commit (the ERP export).

A row's position is (the id of the transaction that wrote it, its own id). Ids are handed out before a
transaction commits, so ordering by id alone would let a reader pass id 11, committed, while id 10 is still
in flight and then never see 10. Instead a feed only serves rows whose transaction is older than every
transaction still running in this database (the horizon): those are all committed or rolled back, so no row
can appear later below the horizon, and a cursor past them is final.

The transaction id is PostgreSQL's 64-bit `pg_current_xact_id()` (it never wraps), written by the column's
database default (`CurrentTransactionId`) or by the service that makes a row exportable
(`current_transaction_id`)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db import connection
from django.db.models import BigIntegerField, Func

from core.errors import DomainError

# The oldest transaction of this database still in progress (its xid8; backends of other databases are left out
# when PostgreSQL names their database), or the next transaction id when none is running.
HORIZON_SQL = """
SELECT COALESCE(MIN(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
FROM pg_snapshot_xip(pg_current_snapshot()) AS x
WHERE (x::text::bigint % 4294967296)::text NOT IN (
    SELECT backend_xid::text FROM pg_stat_activity
    WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
)
"""


class CurrentTransactionId(Func):
    """The writing transaction's 64-bit id, as a column's database default."""

    template = "(pg_current_xact_id()::text)::bigint"
    output_field = BigIntegerField()

    def __init__(self) -> None:
        super().__init__()


def current_transaction_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return int(cursor.fetchone()[0])


def feed_horizon() -> int:
    """Rows written by a transaction below this id are final: nothing will commit below it any more."""
    with connection.cursor() as cursor:
        cursor.execute(HORIZON_SQL)
        return int(cursor.fetchone()[0])


class InvalidCursor(DomainError):
    code = "invalid_cursor"


@dataclass(frozen=True, order=True)
class Position:
    xact: int
    id: int


START = Position(0, 0)
MAX_POSITION = 2**63 - 1


def cursor_encode(feed: str, position: Position) -> str:
    raw = f"{feed}:{position.xact}:{position.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(feed: str, cursor: str | None) -> Position:
    """The position a cursor of `feed` names; no cursor means the start. Anything else is refused."""
    if not cursor:
        return START
    message = "is not a cursor this feed gave out"
    if len(cursor) > 200 or not cursor.isascii():
        raise InvalidCursor(f"cursor {message}", parameter="cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise InvalidCursor(f"cursor {message}", parameter="cursor") from None
    parts = raw.split(":")
    if len(parts) != 3 or parts[0] != feed or not all(p.isascii() and p.isdigit() for p in parts[1:]):
        raise InvalidCursor(f"cursor {message}", parameter="cursor")
    xact, row = int(parts[1]), int(parts[2])
    if xact > MAX_POSITION or row > MAX_POSITION:
        raise InvalidCursor(f"cursor {message}", parameter="cursor")
    return Position(xact, row)
