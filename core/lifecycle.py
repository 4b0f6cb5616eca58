"""Lifecycles: one table of allowed status changes per thing, and one way to apply a change.

Each app declares its lifecycles next to its models (`<app>/state.py`), for example::

    PICK_SESSION = Lifecycle("pick session", PickSession.Status, {
        S.OPEN: {S.ACTIVE, S.CANCELLED},
        S.ACTIVE: {S.DONE, S.OPEN, S.CANCELLED},
        S.DONE: set(),
        S.CANCELLED: set(),
    })

and one service per thing, `pick_session_transition(*, session, to, actor, reason)`, calls
`PICK_SESSION.apply(session, to)` while the caller holds the row's lock. The table must name every
choice (checked when it is built); the status column's CHECK constraint comes from the same choices
(`CheckConstraint(condition=Q(status__in=Status.values), ...)`), so the database refuses a status the
code does not know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from core.errors import Conflict


class IllegalTransition(Conflict):
    code = "illegal_transition"


class Lifecycle:
    def __init__(self, name: str, choices: type[models.TextChoices], transitions: Mapping[str, Iterable[str]], *,
                 field: str = "status"):
        self.name = name
        self.choices = choices
        self.field = field
        self.transitions: dict[str, frozenset[str]] = {str(k): frozenset(str(t) for t in v) for k, v in transitions.items()}
        unknown = set().union(*self.transitions.values()) - set(self.transitions)
        if unknown:
            raise ValueError(f"{name}: targets without a row in the table: {sorted(unknown)}")
        if set(self.transitions) != set(choices.values):
            raise ValueError(f"{name}: the table and the choices differ: {sorted(set(self.transitions) ^ set(choices.values))}")

    @property
    def statuses(self) -> list[str]:
        return list(self.transitions)

    @property
    def final(self) -> frozenset[str]:
        return frozenset(status for status, targets in self.transitions.items() if not targets)

    def allows(self, current: str, target: str) -> bool:
        return target in self.transitions.get(str(current), frozenset())

    def check(self, current: str, target: str, *, label: str = "") -> None:
        if not self.allows(current, target):
            what = f"{self.name} {label}".strip()
            raise IllegalTransition(
                f"{what} cannot go from {self._label(current)} to {self._label(target)}", status=current, to=target
            )

    def _label(self, status: str) -> str:
        try:
            return str(self.choices(status).label).lower()
        except ValueError:
            return str(status)

    def apply(self, obj: models.Model, to: str, *, extra: Mapping[str, Any] | None = None, label: str = "") -> str:
        """Check and save the change (plus `extra` fields) on a row the caller has locked.

        Returns the previous status. A change to the current status is a no-op, so retries are harmless.
        """
        current = getattr(obj, self.field)
        if current == to:
            return current
        self.check(current, to, label=label or str(obj.pk))
        setattr(obj, self.field, to)
        fields = [self.field]
        for name, value in (extra or {}).items():
            setattr(obj, name, value)
            fields.append(name)
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            fields.append("updated_at")
        obj.save(update_fields=fields)
        return current
