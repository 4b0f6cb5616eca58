"""The outbound lifecycles: every allowed status change of waves, pick sessions, pick lines, packs and cartons.

Applied only through the `<thing>_transition` services in `warehouse.outbound.services.lifecycles`."""

from core.lifecycle import Lifecycle
from warehouse.models import Carton, Pack, PickLine, PickSession, ReplenishmentTask, Wave

W, S, L, P, C = Wave.Status, PickSession.Status, PickLine.Status, Pack.Status, Carton.Status

WAVE = Lifecycle("wave", W, {
    W.OPEN: {W.DONE, W.CANCELLED},
    W.DONE: set(),
    W.CANCELLED: set(),
})

PICK_SESSION = Lifecycle("pick session", S, {
    # OPEN -> DONE: every line of a session nobody claimed was cancelled with its order.
    S.OPEN: {S.CLAIMED, S.DONE, S.CANCELLED},
    # CLAIMED -> OPEN: given back to the queue (released by the picker or a manager).
    S.CLAIMED: {S.OPEN, S.DONE, S.CANCELLED},
    S.DONE: set(),
    S.CANCELLED: set(),
})

PICK_LINE = Lifecycle("pick line", L, {
    L.OPEN: {L.PICKED, L.FAILED, L.CANCELLED},
    # -> CANCELLED: the order was cancelled after (part of) the line was picked; the units went back.
    L.PICKED: {L.CANCELLED},
    L.FAILED: {L.CANCELLED},
    L.CANCELLED: set(),
})

PACK = Lifecycle("pack", P, {
    P.OPEN: {P.CLOSING, P.CANCELLED},
    # CLOSING: verified, its shipments wait for labels bought outside any transaction.
    # CLOSING -> OPEN: a label could not be bought; the ones bought were voided and the packer fixes it.
    P.CLOSING: {P.LABELLED, P.OPEN},
    # LABELLED -> CANCELLED: its labels were voided; the order waits at pack-out to be packed again.
    P.LABELLED: {P.CANCELLED},
    P.CANCELLED: set(),
})

CARTON = Lifecycle("carton", C, {
    C.OPEN: {C.CLOSED},
    # CLOSED -> OPEN: the close of its pack failed and the packer carries on with the last carton.
    C.CLOSED: {C.OPEN},
})

R = ReplenishmentTask.Status
REPLENISHMENT = Lifecycle("replenishment task", R, {
    # CLAIMED -> OPEN: given back to the queue before anything moved.
    R.OPEN: {R.CLAIMED, R.CANCELLED},
    R.CLAIMED: {R.OPEN, R.DONE, R.CANCELLED},
    R.DONE: set(),
    R.CANCELLED: set(),
})

LIFECYCLES = (WAVE, PICK_SESSION, PICK_LINE, PACK, CARTON, REPLENISHMENT)
