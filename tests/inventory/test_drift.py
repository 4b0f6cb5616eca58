import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from inventory.models import DriftFinding, StockLevel
from inventory.services.drift import drift_check
from inventory.services.reservations import stock_reserve
from inventory.services.stock import stock_move, stock_receive
from inventory.tasks import check_drift
from tests.factories import BinFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked():
    product, a = ProductFactory(), BinFactory()
    b = BinFactory(zone=a.zone)
    stock_receive(product=product, bin=a, qty=8, actor=None)
    stock_move(product=product, from_bin=a, to_bin=b, qty=3, actor=None)
    stock_reserve(product=product, warehouse=a.warehouse, qty=2, order_line_id=1, actor=None)
    return product, a


def test_no_drift_when_every_change_went_through_the_services(stocked):
    assert drift_check() == []
    out = io.StringIO()
    call_command("check_inventory", stdout=out)
    assert "no drift" in out.getvalue()


def test_writes_behind_the_services_back_are_found(stocked):
    product, a = stocked
    with connection.cursor() as cursor:  # what a careless script would do
        cursor.execute("UPDATE inventory_binstock SET qty = qty + 5 WHERE bin_id = %s", [a.pk])
        cursor.execute("UPDATE inventory_stocklevel SET allocated = allocated + 1")
    found = {(f.kind, f.recorded, f.recomputed) for f in drift_check()}
    assert found == {("bin_sum", 8, 13), ("allocated", 3, 2)}
    assert check_drift.run() == 2  # the beat task records them too
    with pytest.raises(CommandError, match="drift finding"):
        call_command("check_inventory", stdout=io.StringIO())
    assert DriftFinding.objects.filter(product=product).count() == 6


def test_a_level_edited_by_hand_breaks_the_ledger_invariant(stocked):
    product, _ = stocked
    StockLevel.objects.filter(product=product).update(on_hand=100)
    kinds = {f.kind for f in drift_check()}
    assert kinds == {"bin_sum", "ledger_sum"}
