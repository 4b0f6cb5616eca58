"""Who did it: a user, a system job named by a string, or nobody (the system)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Actor: TypeAlias = "AbstractBaseUser | str | None"


def actor_label(actor: Actor) -> str:
    """What the ledger, timelines and audit rows record as the actor."""
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


def actor_user(actor: Actor):
    """The user behind an actor, for foreign keys; None for system jobs."""
    return None if actor is None or isinstance(actor, str) else actor
