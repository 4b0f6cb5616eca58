from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from shipping.carriers.base import Parcel, TrackingStatus
from shipping.carriers.sandbox import SandboxFedEx, SandboxUPS, SandboxUSPS, sandbox_carriers
from shipping.carriers.zones import delivery_date, us_zone
from shipping.exceptions import AddressRejected, CustomsRequired, ServiceNotOffered, TrackingNotFound, VoidRefused
from shipping.tracking_numbers import is_valid
from tests.shipping.conftest import ATLANTA, BERLIN, NEARBY, SAN_FRANCISCO, SHOEBOX, T_SHIRTS, WAREHOUSE

MONDAY = date(2025, 3, 3)
CARRIERS = [SandboxUPS, SandboxUSPS, SandboxFedEx]
DOMESTIC = {
    "UPS": ["Ground", "2nd Day Air", "Next Day Air"],
    "USPS": ["Ground Advantage", "Priority Mail", "Priority Mail Express"],
    "FedEx": ["Ground", "2Day", "Standard Overnight"],
}


def by_service(rates):
    return {rate.service: rate for rate in rates}


def parcel(kg: float, mm: tuple[int, int, int] = (250, 200, 100)) -> Parcel:
    return Parcel(weight_g=int(kg * 1000), length_mm=mm[0], width_mm=mm[1], height_mm=mm[2])


def test_zones_grow_with_distance_between_zip_prefixes():
    assert us_zone("07105", "10118") == 2  # Newark to Manhattan
    assert us_zone("07105", "30303") == 5  # to Atlanta
    assert us_zone("07105", "94105") == 8  # across the country
    assert us_zone("07105", "96813") == 8  # Honolulu
    assert us_zone("94105", "90012") == 4  # San Francisco to Los Angeles


@pytest.mark.parametrize("carrier_class", CARRIERS)
def test_each_carrier_quotes_its_domestic_services(carrier_class):
    rates = carrier_class().rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)
    assert sorted(r.service for r in rates) == sorted(DOMESTIC[carrier_class.name])
    assert all(r.carrier == carrier_class.name and r.currency == "USD" for r in rates)
    assert [r.amount for r in rates] == sorted(r.amount for r in rates)  # cheapest first


@pytest.mark.parametrize("carrier_class", CARRIERS)
def test_rates_grow_with_weight(carrier_class):
    carrier = carrier_class()
    quotes = [by_service(carrier.rates(WAREHOUSE, ATLANTA, [parcel(kg)], MONDAY)) for kg in (0.4, 3, 12, 30)]
    for service in DOMESTIC[carrier.name]:
        amounts = [q[service].amount for q in quotes]
        assert amounts == sorted(amounts) and len(set(amounts)) == len(amounts), (service, amounts)


@pytest.mark.parametrize("carrier_class", CARRIERS)
def test_rates_grow_with_zone(carrier_class):
    carrier = carrier_class()
    quotes = [by_service(carrier.rates(WAREHOUSE, to, [SHOEBOX], MONDAY)) for to in (NEARBY, ATLANTA, SAN_FRANCISCO)]
    for service in DOMESTIC[carrier.name]:
        amounts = [q[service].amount for q in quotes]
        assert amounts == sorted(amounts) and len(set(amounts)) == 3, (service, amounts)


def test_dimensional_weight_bills_a_light_bulky_box_by_its_size():
    pillow_box = Parcel(weight_g=1000, length_mm=600, width_mm=400, height_mm=400)  # 24 x 16 x 16 in
    heavy_small = Parcel(weight_g=20_400, length_mm=300, width_mm=300, height_mm=300)
    ups, usps, fedex = SandboxUPS(), SandboxUSPS(), SandboxFedEx()
    assert ups.billable_pounds(pillow_box) == 45  # 6144 in3 / 139, rounded up
    assert fedex.billable_pounds(pillow_box) == 45
    assert usps.billable_pounds(pillow_box) == 38  # 6144 in3 / 166
    assert ups.billable_pounds(heavy_small) == 45
    assert (by_service(ups.rates(WAREHOUSE, ATLANTA, [pillow_box], MONDAY))["Ground"].amount
            == by_service(ups.rates(WAREHOUSE, ATLANTA, [heavy_small], MONDAY))["Ground"].amount)


def test_usps_counts_dimensional_weight_only_above_one_cubic_foot():
    small = Parcel(weight_g=1000, length_mm=300, width_mm=200, height_mm=150)  # 12 x 8 x 6 in = 576 in3
    assert SandboxUSPS().billable_pounds(small) == 3  # 2.2 lb actual, rounded up
    assert SandboxUPS().billable_pounds(small) == 5  # 576 / 139 = 4.1 lb


def test_each_parcel_is_rated_on_its_own():
    ups = SandboxUPS()
    one = by_service(ups.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY))["Ground"].amount
    two = by_service(ups.rates(WAREHOUSE, ATLANTA, [SHOEBOX, SHOEBOX], MONDAY))["Ground"].amount
    assert two == 2 * one


@pytest.mark.parametrize(("carrier_class", "service", "near", "far"), [
    (SandboxUPS, "Ground", 1, 5), (SandboxUPS, "2nd Day Air", 2, 2), (SandboxUPS, "Next Day Air", 1, 1),
    (SandboxUSPS, "Ground Advantage", 2, 5), (SandboxUSPS, "Priority Mail", 1, 3),
    (SandboxUSPS, "Priority Mail Express", 1, 2),
    (SandboxFedEx, "Ground", 1, 5), (SandboxFedEx, "2Day", 2, 2), (SandboxFedEx, "Standard Overnight", 1, 1),
])
def test_transit_days_per_service_and_zone(carrier_class, service, near, far):
    carrier = carrier_class()
    assert by_service(carrier.rates(WAREHOUSE, NEARBY, [SHOEBOX], MONDAY))[service].transit_days == near
    assert by_service(carrier.rates(WAREHOUSE, SAN_FRANCISCO, [SHOEBOX], MONDAY))[service].transit_days == far


def test_estimated_delivery_skips_days_nobody_delivers():
    friday, saturday = date(2025, 3, 7), date(2025, 3, 8)
    ground = by_service(SandboxUPS().rates(WAREHOUSE, SAN_FRANCISCO, [SHOEBOX], friday))["Ground"]
    assert ground.estimated_delivery == date(2025, 3, 14)  # five weekdays after Friday
    priority = by_service(SandboxUSPS().rates(WAREHOUSE, NEARBY, [SHOEBOX], friday))["Priority Mail"]
    assert priority.estimated_delivery == saturday  # USPS delivers on Saturdays
    # Nothing is picked up at the weekend: a Saturday ship date leaves on Monday.
    overnight = by_service(SandboxFedEx().rates(WAREHOUSE, NEARBY, [SHOEBOX], saturday))["Standard Overnight"]
    assert overnight.estimated_delivery == date(2025, 3, 11)
    assert delivery_date(friday, 1) == date(2025, 3, 10)


@pytest.mark.parametrize("carrier_class", CARRIERS)
def test_abroad_only_international_services_are_quoted(carrier_class):
    rates = carrier_class().rates(WAREHOUSE, BERLIN, [SHOEBOX], MONDAY)
    assert len(rates) == 1 and rates[0].service not in DOMESTIC[carrier_class.name]
    assert carrier_class().rates(BERLIN, WAREHOUSE, [SHOEBOX], MONDAY) == []  # the sandbox ships from the US


def test_services_over_their_weight_limit_are_not_quoted():
    sofa_part = parcel(40, (900, 600, 300))  # 88 lb: over USPS's 70 lb, within UPS's 150 lb
    assert SandboxUSPS().rates(WAREHOUSE, ATLANTA, [sofa_part], MONDAY) == []
    assert len(SandboxUPS().rates(WAREHOUSE, ATLANTA, [sofa_part], MONDAY)) == 3


def test_an_address_the_carrier_would_refuse_is_refused_before_rating():
    with pytest.raises(AddressRejected) as refused:
        SandboxUPS().rates(WAREHOUSE, replace(ATLANTA, region="NY"), [SHOEBOX], MONDAY)
    assert refused.value.problems == ["ZIP code 30303 is in Georgia (GA), not New York (NY)"]


@pytest.mark.parametrize("carrier_class", CARRIERS)
def test_labels_carry_valid_tracking_numbers_from_a_sequence(carrier_class, clock):
    first, second = carrier_class(first_serial=41, clock=clock), carrier_class(first_serial=41, clock=clock)
    rate = first.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)[0]
    label = first.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1001")
    again = second.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1001")
    assert label.tracking_number == again.tracking_number  # reproducible
    assert is_valid(carrier_class.name, label.tracking_number)
    assert label.pdf.startswith(b"%PDF") and label.zpl.startswith("^XA")
    assert label.tracking_number in label.tracking_url
    follow_up = first.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1002")
    assert follow_up.tracking_number != label.tracking_number and is_valid(carrier_class.name, follow_up.tracking_number)


def test_tracking_numbers_have_each_carriers_shape(clock):
    def first_label(carrier, service):
        rate = by_service(carrier.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY))[service]
        return carrier.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1").tracking_number

    assert first_label(SandboxUPS(shipper_number="999AA1", clock=clock), "Ground") == "1Z999AA10300000019"
    assert first_label(SandboxUPS(clock=clock), "Next Day Air")[8:10] == "01"
    assert first_label(SandboxUSPS(clock=clock), "Ground Advantage").startswith("9400190123456")
    assert first_label(SandboxUSPS(clock=clock), "Priority Mail").startswith("9205590123456")
    assert first_label(SandboxUSPS(clock=clock), "Priority Mail Express").startswith("9270190123456")
    assert len(first_label(SandboxFedEx(clock=clock), "2Day")) == 12


def test_a_multi_package_shipment_gets_a_number_and_a_page_per_package(clock):
    usps = SandboxUSPS(clock=clock)
    rate = usps.rates(WAREHOUSE, ATLANTA, [SHOEBOX, SHOEBOX], MONDAY)[0]
    label = usps.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX, SHOEBOX], "SO-7")
    assert len(set(label.package_tracking_numbers)) == 2
    assert label.tracking_number == label.package_tracking_numbers[0]
    assert label.zpl.count("^XA") == 2 and label.pdf.count(b"/Type /Page\n") == 2


def test_international_labels_need_customs(clock):
    ups = SandboxUPS(clock=clock)
    rate = ups.rates(WAREHOUSE, BERLIN, [SHOEBOX], MONDAY)[0]
    with pytest.raises(CustomsRequired):
        ups.buy_label(rate, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9")
    label = ups.buy_label(rate, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9", customs=T_SHIRTS)
    assert is_valid("UPS", label.tracking_number)
    domestic = ups.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)[0]
    with pytest.raises(ServiceNotOffered, match="does not ship from US to DE"):
        ups.buy_label(domestic, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9", customs=T_SHIRTS)


def test_usps_international_labels_use_s10_numbers(clock):
    usps = SandboxUSPS(clock=clock)
    rate = usps.rates(WAREHOUSE, BERLIN, [SHOEBOX], MONDAY)[0]
    label = usps.buy_label(rate, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9", customs=T_SHIRTS)
    assert label.tracking_number == "CP000000014US" and is_valid("USPS", label.tracking_number)


def test_a_rate_from_another_carrier_cannot_be_bought(clock):
    fedex_rate = SandboxFedEx().rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)[0]
    with pytest.raises(ServiceNotOffered, match="UPS cannot buy a FedEx rate"):
        SandboxUPS(clock=clock).buy_label(fedex_rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1")


def test_tracking_progresses_with_time(clock):
    ups = SandboxUPS(clock=clock)
    rate = by_service(ups.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY))["Ground"]  # zone 5: 3 days
    label = ups.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1")

    def statuses_at(day: date, hour: int) -> list[TrackingStatus]:
        clock.now = datetime.combine(day, time(hour), tzinfo=clock.now.tzinfo)
        return [event.status for event in ups.track(label.tracking_number)]

    assert statuses_at(MONDAY, 11) == [TrackingStatus.LABEL_CREATED]
    assert statuses_at(MONDAY, 19)[-1] == TrackingStatus.IN_TRANSIT  # picked up at 18:00
    arrival = rate.estimated_delivery
    assert arrival == date(2025, 3, 6)
    assert statuses_at(arrival - timedelta(days=1), 12)[-1] == TrackingStatus.IN_TRANSIT
    assert statuses_at(arrival, 9)[-1] == TrackingStatus.OUT_FOR_DELIVERY
    events = ups.track(label.tracking_number)
    assert statuses_at(arrival, 15)[-1] == TrackingStatus.DELIVERED
    delivered = ups.track(label.tracking_number)
    assert len(delivered) > len(events)
    assert [e.occurred_at for e in delivered] == sorted(e.occurred_at for e in delivered)
    assert delivered[-1].occurred_at.date() == arrival and delivered[-1].location == "ATLANTA, GA, US"
    clock.now += timedelta(days=30)
    assert ups.track(label.tracking_number) == delivered  # nothing happens after delivery


def test_a_label_bought_after_the_pickup_leaves_the_next_weekday(clock):
    clock.now = datetime.combine(date(2025, 3, 7), time(19), tzinfo=clock.now.tzinfo)  # Friday evening
    fedex = SandboxFedEx(clock=clock)
    rate = by_service(fedex.rates(WAREHOUSE, NEARBY, [SHOEBOX], clock.now.date()))["Standard Overnight"]
    label = fedex.buy_label(rate, WAREHOUSE, NEARBY, [SHOEBOX], "SO-1")
    clock.now += timedelta(days=5)
    events = fedex.track(label.tracking_number)
    picked_up = next(e for e in events if e.description == "Picked up")
    assert picked_up.occurred_at.date() == date(2025, 3, 10)  # Monday
    assert events[-1].status == TrackingStatus.DELIVERED and events[-1].occurred_at.date() == date(2025, 3, 11)


def test_void_before_pickup_only(clock):
    usps = SandboxUSPS(clock=clock)
    rate = usps.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)[0]
    unused = usps.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1")
    shipped = usps.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-2")
    usps.void(unused.tracking_number)
    usps.void(unused.tracking_number)  # twice is harmless
    assert [e.status for e in usps.track(unused.tracking_number)] == [TrackingStatus.LABEL_CREATED, TrackingStatus.VOIDED]
    clock.now += timedelta(days=1)
    with pytest.raises(VoidRefused, match="picked up"):
        usps.void(shipped.tracking_number)
    assert [e.status for e in usps.track(unused.tracking_number)][-1] == TrackingStatus.VOIDED
    with pytest.raises(TrackingNotFound):
        usps.track("9400100000000000000000")


def test_the_three_sandbox_carriers_come_together():
    assert [c.name for c in sandbox_carriers()] == ["UPS", "USPS", "FedEx"]
