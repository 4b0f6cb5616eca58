"""Idempotency-Key on the order change API: the key is claimed in the same transaction as the change and the
answer stored with it, so a retry after a lost response replays the first answer instead of changing the order
twice (a second cancel reason, a second hold, lines edited twice). A refused change rolls back with its key, so a
retry is judged again. Two requests with the same key at once: the second waits on the key's unique index and then
replays the first's answer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from orders.exceptions import IdempotencyConflict
from orders.models import ChangeRequestKey

KEY_MAX_LENGTH = 255


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: object


def change_key_valid(key: str) -> str | None:
    """The reason a key is refused, or None. Printable ASCII only: keys travel in headers and are stored as text."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} characters"
    if not all(32 <= ord(ch) < 127 for ch in key):
        return "Idempotency-Key must be printable ASCII"
    return None


def request_hash(method_body: object) -> str:
    return hashlib.sha256(json.dumps(method_body, sort_keys=True, default=str).encode()).hexdigest()


def change_key_seen(*, user, key: str, endpoint: str, order_id: int, body_hash: str) -> StoredAnswer | None:
    """The stored answer for this key, or None when it is new. Call inside the change's transaction; a key
    in use by a concurrent request makes this wait for it (the unique index) and then answers its outcome."""
    try:
        with transaction.atomic():  # the savepoint keeps the caller's transaction usable after a unique violation
            ChangeRequestKey.objects.create(
                user=user, key=key, endpoint=endpoint, order_id=order_id, request_hash=body_hash,
                response_status=0, response_body={},
            )
            return None
    except IntegrityError:
        seen = ChangeRequestKey.objects.get(user=user, key=key)
    if (seen.endpoint, seen.order_id, seen.request_hash) != (endpoint, order_id, body_hash):
        raise IdempotencyConflict("this Idempotency-Key was used with a different request", endpoint=seen.endpoint)
    return StoredAnswer(seen.response_status, seen.response_body)


def change_key_answer(*, user, key: str, status: int, body: object) -> None:
    """Store the answer of the change the key was claimed for (same transaction)."""
    ChangeRequestKey.objects.filter(user=user, key=key).update(response_status=status, response_body=body)
