from __future__ import annotations

import pytest

from shipping.addresses import verify
from shipping.carriers.base import Address


def address(country: str, postal_code: str, region: str = "", **fields) -> Address:
    return Address(name=fields.pop("name", "Ada Byron"), line1=fields.pop("line1", "1 High Street"),
                   city=fields.pop("city", "Somewhere"), region=region, postal_code=postal_code, country=country,
                   **fields)


@pytest.mark.parametrize(("country", "region", "given", "normalized"), [
    ("US", "NY", "10118", "10118"),
    ("US", "NY", "10118-0110", "10118-0110"),
    ("US", "NY", "101180110", "10118-0110"),
    ("US", "NY", "10118 0110", "10118-0110"),
    ("CA", "ON", "k1a0b1", "K1A 0B1"),
    ("CA", "QC", "H2X 1Y4", "H2X 1Y4"),
    ("GB", "", "sw1a1aa", "SW1A 1AA"),
    ("GB", "", "M1 1AE", "M1 1AE"),
    ("GB", "", "EC1A 1BB", "EC1A 1BB"),
    ("DE", "", "10117", "10117"),
    ("FR", "", "75008", "75008"),
    ("AU", "NSW", "2000", "2000"),
    ("NL", "", "1012ab", "1012 AB"),
])
def test_valid_postal_codes_are_accepted_and_formatted(country, region, given, normalized):
    checked = verify(address(country, given, region))
    assert checked.ok, checked.problems
    assert checked.address.postal_code == normalized


@pytest.mark.parametrize(("country", "region", "postal_code", "problem"), [
    ("US", "NY", "1011", "'1011' is not a valid US ZIP code (expected something like 12345 or 12345-6789)"),
    ("US", "NY", "10118-01", "'10118-01' is not a valid US ZIP code"),
    ("CA", "ON", "K1A 0B", "'K1A 0B' is not a valid CA postal code (expected something like K1A 0B1)"),
    ("CA", "ON", "D1A 0B1", "is not a valid CA postal code"),  # D is never a first letter
    ("GB", "", "SW1A1A", "is not a valid GB postcode"),
    ("DE", "", "1011", "'1011' is not a valid DE Postleitzahl"),
    ("FR", "", "7500", "is not a valid FR code postal"),
    ("AU", "VIC", "30000", "is not a valid AU postcode"),
    ("NL", "", "0123 AB", "is not a valid NL postcode"),
    ("NL", "", "1012 SS", "is not a valid NL postcode"),  # SA, SD and SS are not issued
    ("US", "NY", "", "the ZIP code is missing"),
])
def test_malformed_postal_codes_are_named(country, region, postal_code, problem):
    problems = verify(address(country, postal_code, region)).problems
    assert any(problem in p for p in problems), problems


def test_us_states_are_normalized_from_codes_and_names():
    for given in ("ny", "N.Y.", "New York", " new york "):
        checked = verify(address("us", "10118", given))
        assert checked.ok, checked.problems
        assert (checked.address.region, checked.address.country) == ("NY", "US")


def test_us_state_must_exist_and_match_the_zip():
    assert verify(address("US", "10118", "ZZ")).problems == ["'ZZ' is not a US state code"]
    assert verify(address("US", "10118", "NJ")).problems == ["ZIP code 10118 is in New York (NY), not New Jersey (NJ)"]
    assert verify(address("US", "10118")).problems == ["the state is missing"]
    assert verify(address("US", "00000", "NY")).problems == ["ZIP code 00000 does not exist"]
    assert verify(address("US", "09012", "AE")).ok  # an APO address in Europe


def test_canadian_provinces_and_their_postal_codes():
    assert verify(address("CA", "V6B 1A1", "British Columbia")).address.region == "BC"
    assert verify(address("CA", "V6B 1A1", "QC")).problems == ["postal code V6B 1A1 belongs to British Columbia, not Quebec"]
    assert verify(address("CA", "X0A 0H0", "NU")).ok  # X is shared by Nunavut and the Northwest Territories
    assert verify(address("CA", "K1A 0B1", "PQ")).problems == ["'PQ' is not a CA province code"]


def test_australian_states():
    assert verify(address("AU", "3000", "vic")).address.region == "VIC"
    assert verify(address("AU", "3000", "")).problems == ["the state or territory is missing"]


def test_required_fields_in_plain_words():
    empty = Address(name="", line1=" ", city="", postal_code="", country="")
    assert verify(empty).problems == ["the recipient's name is missing", "the street address is missing",
                                      "the city is missing", "the country is missing"]
    assert verify(address("USA", "10118", "NY")).problems == [
        "the country must be a two-letter ISO code such as US or DE, not 'USA'"]
    assert verify(Address(name="", company="Acme Corp", line1="1 Main St", city="Berlin", postal_code="10117",
                          country="DE")).ok  # a company is enough to deliver to


def test_normalization_trims_and_collapses_spaces():
    checked = verify(Address(name="  Ada   Byron ", line1=" 350  5th Ave ", line2="  ", city=" New York",
                             region=" ny", postal_code=" 10118 ", country=" us ", phone=" +1 212 555 0100 "))
    assert checked.ok, checked.problems
    assert checked.address == Address(name="Ada Byron", line1="350 5th Ave", line2="", city="New York", region="NY",
                                      postal_code="10118", country="US", phone="+1 212 555 0100")


def test_international_shipments_need_a_phone_number():
    berlin = address("DE", "10117")
    assert verify(berlin).ok
    assert verify(berlin, international=True).problems == ["a phone number is needed for an international shipment"]


def test_lines_longer_than_carriers_print_are_reported():
    long_street = "Rechtsanwaltskanzlei an der Alten Oper, Hinterhaus"
    problems = verify(address("DE", "60313", line1=long_street)).problems
    assert problems == [f"address line 1 is {len(long_street)} characters long; carriers take at most 35"]


def test_other_countries_get_the_required_fields_checked_only():
    assert verify(address("JP", "100-0001")).ok
    assert verify(address("IE", "")).ok  # many Irish addresses have no Eircode in use
