"""Writing the audit log. Services call `audit_record` inside the transaction of the action they record, so an
action that fails (and rolls back) leaves no entry, and an entry never exists without its action.

Changes made through Django itself (group and permission membership, the staff and superuser flags) are
recorded from model signals in core.audit_signals; they name the acting user through `audit_actor`, which the
request middleware below sets for each request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

from core.actors import Actor, actor_label, actor_user
from core.models import AuditAction, AuditEntry

# Who is acting for code that is not handed an actor (signals): a callable, so request.user stays lazy.
_current_actor: ContextVar[Callable[[], Actor] | None] = ContextVar("audit_actor", default=None)


def audit_record(
    *, action: str, actor: Actor, obj: models.Model | None = None, object_type: str = "", object_id: Any = "",
    object_label: str = "", merchant_id: int | None = None, warehouse_id: int | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Record `action` by `actor` on `obj` (or on the object named by type, id and label)."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    if not object_type:
        raise ValueError("an audit entry names the object it is about")
    user = actor_user(actor)
    label = actor_label(actor)
    if user is not None and not getattr(user, "is_authenticated", False):
        user, label = None, "anonymous"  # an anonymous visitor is nobody's account
    return AuditEntry.objects.create(
        actor=user, actor_label=label[:150], action=action, object_type=object_type[:100],
        object_id=str(object_id)[:64], object_label=str(object_label)[:200], merchant_id=merchant_id,
        warehouse_id=warehouse_id,
        details=details or {},
    )


def current_actor() -> Actor:
    """The actor of the running request or job, for code that is not handed one; None (the system) otherwise."""
    get = _current_actor.get()
    return get() if get is not None else None


@contextmanager
def audit_actor(actor: Actor | Callable[[], Actor]) -> Iterator[None]:
    """Attribute signal-recorded changes made inside the block to `actor` (a management command, a job)."""
    token = _current_actor.set(actor if callable(actor) else (lambda: actor))
    try:
        yield
    finally:
        _current_actor.reset(token)


class AuditActorMiddleware:
    """Changes made while serving a request (the admin's user and group pages) are the signed-in user's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        def actor() -> Actor:
            user = getattr(request, "user", None)
            return user if user is not None and user.is_authenticated else "anonymous"

        with audit_actor(actor):
            return self.get_response(request)
