"""Check digits against published valid tracking numbers.

Sources of the examples:
- UPS 1Z999AA10123456784: the example number used across UPS integrations (shipper 999AA1, service 01).
- The other UPS, USPS and FedEx examples are the valid test numbers of the tracking_number_data project
  (github.com/jkeen/tracking_number_data, couriers/ups.json, couriers/usps.json, couriers/fedex.json,
  couriers/s10.json), collected from real labels; RB123456785GB is the UPU S10 standard's example."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipping import tracking_numbers as tn

PUBLISHED_VALID = [
    ("UPS", "1Z999AA10123456784"),
    ("UPS", "1Z5R89390357567127"),
    ("UPS", "1Z879E930346834440"),
    ("UPS", "1Z410E7W0392751591"),
    ("UPS", "1Z8V92A70367203024"),
    ("USPS", "9400 1112 0108 0805 4830 16"),
    ("USPS", "9405803699300124287899"),
    ("USPS", "9505 5110 6960 5048 6006 24"),
    ("USPS", "9361 2898 7870 0317 6337 95"),
    ("USPS", "RB123456785US"),
    ("USPS", "RB123456785GB"),
    ("FedEx", "986578788855"),
    ("FedEx", "477179081230"),
    ("FedEx", "799531274483"),
    ("FedEx", "790535312317"),
    ("FedEx", "974367662710"),
]
PUBLISHED_INVALID = [
    ("UPS", "1Z1111111111111111"),
    ("UPS", "2Z5R89390357567127"),  # not 1Z
    ("USPS", "9200000000000000000000"),
    ("USPS", "RB123456786US"),
    ("FedEx", "996578788855"),
]


@pytest.mark.parametrize(("carrier", "number"), PUBLISHED_VALID)
def test_published_numbers_are_valid(carrier, number):
    assert tn.is_valid(carrier, number)
    assert tn.identify(number) == carrier


@pytest.mark.parametrize(("carrier", "number"), PUBLISHED_INVALID)
def test_published_invalid_numbers_are_refused(carrier, number):
    assert not tn.is_valid(carrier, number)


@pytest.mark.parametrize(("carrier", "number"), PUBLISHED_VALID)
def test_a_wrong_check_digit_is_caught(carrier, number):
    number = tn.normalize(number)
    position = -3 if number.endswith(("US", "GB")) else -1
    wrong = str((int(number[position]) + 1) % 10)
    altered = number[:position] + wrong + (number[position + 1:] if position != -1 else "")
    assert not tn.is_valid(carrier, altered)


def test_check_digits_follow_the_published_algorithms():
    # UPS: letters become digits (A=2 ... H=9, I=0 ...), the even positions count twice.
    assert tn.ups_check_digit("999AA1012345678") == 4
    # USPS: weights 3,1 from the right; FedEx: weights 1,3,7 from the right, mod 11, 10 -> 0.
    assert tn.usps_check_digit("940011120108080548301") == 6
    assert tn.fedex_check_digit("98657878885") == 5
    assert tn.fedex_check_digit("97436766271") == 0


def test_builders_put_the_parts_where_the_carriers_do():
    assert tn.ups_tracking_number("999AA1", "01", 2345678) == "1Z999AA10123456784"
    assert tn.usps_impb("92", "055", "901234567", 42).startswith("9205590123456700000")
    assert tn.usps_impb("92", "701", "901234567", 42).startswith("9270190123456700000")
    assert tn.usps_s10("RB", 12345678) == "RB123456785US"
    assert tn.fedex_tracking_number(98657878885) == "986578788855"


def test_numbers_are_compared_as_carriers_print_them():
    assert tn.is_valid("ups", "1z999aa1 0123 4567 84")
    assert tn.is_valid("Fedex", " 9865 7878 8855 ")
    with pytest.raises(ValueError, match="unknown carrier"):
        tn.is_valid("DHL", "1234567890")


def test_wrong_shapes_are_refused():
    assert not tn.is_valid("UPS", "1Z999AA1012345678")  # one character short
    assert not tn.is_valid("USPS", "94001112010808054830")  # 20 digits
    assert not tn.is_valid("FedEx", "98657878885A")
    assert tn.identify("hello") is None


def test_human_readable_groups():
    assert tn.human_readable("1Z999AA10123456784") == "1Z 999 AA1 01 2345 678 4"
    assert tn.human_readable("9400111201080805483016") == "9400 1112 0108 0805 4830 16"
    assert tn.human_readable("986578788855") == "9865 7878 8855"


@given(shipper=st.text("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", min_size=6, max_size=6),
       service=st.sampled_from(["01", "02", "03", "13", "A2"]), serial=st.integers(0, 10**7 - 1))
def test_every_built_ups_number_is_valid(shipper, service, serial):
    assert tn.is_valid("UPS", tn.ups_tracking_number(shipper, service, serial))


@given(serial=st.integers(0, 10**11 - 1))
def test_every_built_usps_and_fedex_number_is_valid(serial):
    assert tn.is_valid("USPS", tn.usps_impb("94", "001", "901234567", serial))
    assert tn.is_valid("USPS", tn.usps_s10("CP", serial))
    assert tn.is_valid("FedEx", tn.fedex_tracking_number(serial))
