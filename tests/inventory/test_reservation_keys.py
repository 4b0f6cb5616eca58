"""Kit work orders and transfers reserve under negative keys; the two kinds never share a key with each other
or with an order line."""

import pytest

from inventory.models import kit_reservation_line_id, transfer_reservation_line_id


def test_internal_reservation_keys_never_meet():
    kits = {kit_reservation_line_id(i) for i in range(1, 5001)}
    transfers = {transfer_reservation_line_id(i) for i in range(1, 5001)}
    assert len(kits) == len(transfers) == 5000
    assert not kits & transfers
    assert max(kits | transfers) < 0


@pytest.mark.parametrize("key", [kit_reservation_line_id, transfer_reservation_line_id])
def test_an_internal_key_needs_a_saved_line(key):
    with pytest.raises(ValueError):
        key(0)
