"""One service per outbound lifecycle: the only code that writes the status of a wave, pick session, pick
line, pack or carton. Each is called by a use case that already holds the row's lock (the lock order of
ARCHITECTURE.md), checks the change against the table in `warehouse.outbound.state`, and saves it with the
fields that change with it. A change to the current status is a no-op, so retries are harmless."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from core.actors import actor_label
from warehouse.models import Carton, Pack, PickLine, PickSession, Wave
from warehouse.outbound.state import CARTON, PACK, PICK_LINE, PICK_SESSION, WAVE

log = logging.getLogger(__name__)


def _logged(kind: str, obj, previous: str, to: str, actor, reason: str) -> str:
    if previous != to:
        log.info("%s %s: %s -> %s by %s%s", kind, obj.pk, previous, to, actor_label(actor), f" ({reason})" if reason else "")
    return previous


def wave_transition(*, wave: Wave, to: str, actor, reason: str = "", extra: Mapping[str, Any] | None = None) -> str:
    return _logged("wave", wave, WAVE.apply(wave, to, extra=extra, label=str(wave)), to, actor, reason)


def pick_session_transition(*, session: PickSession, to: str, actor, reason: str = "",
                            extra: Mapping[str, Any] | None = None) -> str:
    return _logged("pick session", session, PICK_SESSION.apply(session, to, extra=extra, label=str(session)), to, actor, reason)


def pick_line_transition(*, line: PickLine, to: str, actor, reason: str = "", extra: Mapping[str, Any] | None = None) -> str:
    return _logged("pick line", line, PICK_LINE.apply(line, to, extra=extra), to, actor, reason)


def pack_transition(*, pack: Pack, to: str, actor, reason: str = "", extra: Mapping[str, Any] | None = None) -> str:
    return _logged("pack", pack, PACK.apply(pack, to, extra=extra, label=str(pack)), to, actor, reason)


def carton_transition(*, carton: Carton, to: str, actor, reason: str = "", extra: Mapping[str, Any] | None = None) -> str:
    return _logged("carton", carton, CARTON.apply(carton, to, extra=extra, label=str(carton)), to, actor, reason)
