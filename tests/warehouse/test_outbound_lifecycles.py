"""Every outbound lifecycle as a table: each allowed change passes through its transition service, every
other change is refused and leaves the row as it was, and the database refuses a status nobody knows."""

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from core.lifecycle import IllegalTransition
from shipping.models import Shipment
from shipping.services.shipments import shipment_transition
from shipping.state import SHIPMENT
from tests.warehouse.outbound_rows import outbound_rows
from warehouse.models import Carton, Pack, PickLine, PickSession, Wave
from warehouse.outbound.services.lifecycles import (
    carton_transition,
    pack_transition,
    pick_line_transition,
    pick_session_transition,
    wave_transition,
)
from warehouse.outbound.state import CARTON, PACK, PICK_LINE, PICK_SESSION, WAVE

pytestmark = pytest.mark.django_db

# The specification, written out independently of the tables in the code.
EXPECTED = {
    "wave": {"open": {"done", "cancelled"}, "done": set(), "cancelled": set()},
    "pick_session": {"open": {"claimed", "done", "cancelled"}, "claimed": {"open", "done", "cancelled"},
                     "done": set(), "cancelled": set()},
    "pick_line": {"open": {"picked", "failed", "cancelled"}, "picked": {"cancelled"}, "failed": {"cancelled"},
                  "cancelled": set()},
    "pack": {"open": {"closing", "cancelled"}, "closing": {"labelled", "open"}, "labelled": {"cancelled"},
             "cancelled": set()},
    "carton": {"open": {"closed"}, "closed": {"open"}},
    "shipment": {"awaiting_label": {"labelled", "cancelled"}, "labelled": {"voiding", "shipped"},
                 "voiding": {"voided", "labelled"}, "shipped": {"delivered", "exception"}, "exception": {"delivered"},
                 "delivered": set(), "voided": set(), "cancelled": set()},
}

THINGS = {
    "wave": (WAVE, Wave, "wave", lambda row, to, actor: wave_transition(wave=row, to=to, actor=actor, reason="test")),
    "pick_session": (PICK_SESSION, PickSession, "session",
                     lambda row, to, actor: pick_session_transition(session=row, to=to, actor=actor, reason="test")),
    "pick_line": (PICK_LINE, PickLine, "line", lambda row, to, actor: pick_line_transition(line=row, to=to, actor=actor)),
    "pack": (PACK, Pack, "pack", lambda row, to, actor: pack_transition(pack=row, to=to, actor=actor, reason="test")),
    "carton": (CARTON, Carton, "carton", lambda row, to, actor: carton_transition(carton=row, to=to, actor=actor)),
    "shipment": (SHIPMENT, Shipment, "shipment",
                 lambda row, to, actor: shipment_transition(shipment=row, to=to, actor=actor, reason="test")),
}
ROWS = [(thing, current) for thing, table in EXPECTED.items() for current in table]


@pytest.mark.parametrize("thing", list(EXPECTED))
def test_the_code_table_is_the_specified_one(thing):
    lifecycle = THINGS[thing][0]
    assert {status: set(targets) for status, targets in lifecycle.transitions.items()} == EXPECTED[thing]


@pytest.mark.parametrize(("thing", "current"), ROWS)
def test_from_each_status_every_allowed_change_passes_and_every_other_is_refused_and_changes_nothing(thing, current):
    lifecycle, model, attr, transition = THINGS[thing]
    rows = outbound_rows()
    pk = getattr(rows, attr).pk
    for target in lifecycle.statuses:
        model.objects.filter(pk=pk).update(status=current)
        with transaction.atomic():
            row = model.objects.select_for_update().get(pk=pk)
            before = model_to_dict(model.objects.get(pk=pk))
            if target in EXPECTED[thing][current] or target == current:
                assert transition(row, target, rows.actor) == current
                assert model.objects.get(pk=pk).status == target
            else:
                with pytest.raises(IllegalTransition, match="cannot go from"):
                    transition(row, target, rows.actor)
                assert model_to_dict(model.objects.get(pk=pk)) == before
                assert row.status == current


@pytest.mark.parametrize("thing", list(EXPECTED))
def test_the_database_refuses_a_status_outside_the_choices(thing):
    _, model, attr, _ = THINGS[thing]
    rows = outbound_rows()
    with pytest.raises(IntegrityError, match="status_valid"), transaction.atomic():
        model.objects.filter(pk=getattr(rows, attr).pk).update(status="teleported")
