"""What the sandbox carriers share: rating from zone/weight rate cards with dimensional weight, label
purchase with real-format tracking numbers from a sequence, and tracking scans that follow the clock.

Everything is in memory and deterministic: the same sequence start and clock give the same tracking
numbers and the same scans. Times are UTC; pickups happen at 18:00 on the first weekday at or after the
label was bought, deliveries between 08:00 (out for delivery) and 14:00."""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from itertools import count
from typing import ClassVar

from shipping import addresses
from shipping.carriers.base import (
    GRAMS_PER_POUND,
    MM_PER_INCH,
    Address,
    Carrier,
    CustomsItem,
    Label,
    Parcel,
    Rate,
    TrackingEvent,
    TrackingStatus,
    is_international,
)
from shipping.carriers.zones import delivery_date, international_zone, is_delivery_day, us_zone
from shipping.exceptions import AddressRejected, CustomsRequired, ServiceNotOffered, TrackingNotFound, VoidRefused
from shipping.labels import LabelContent, render_pdf, render_zpl

Zone = int | str  # 2..8 inside the US; "north_america", "europe", "world" abroad
DOMESTIC_ZONES = (2, 3, 4, 5, 6, 7, 8)
INTERNATIONAL_ZONES = ("north_america", "europe", "world")
PICKUP = time(18, 0)
OUT_FOR_DELIVERY, DELIVERED, ARRIVED = time(8, 0), time(14, 0), time(4, 30)


def by_zone(values: str, zones: Sequence[Zone] = DOMESTIC_ZONES) -> dict[Zone, Decimal]:
    """A rate-card row written as it is printed: one figure per zone, in zone order."""
    figures = values.split()
    if len(figures) != len(zones):
        raise ValueError(f"{len(zones)} zones need {len(zones)} figures, got {values!r}")
    return dict(zip(zones, map(Decimal, figures)))


def days_by_zone(values: str, zones: Sequence[Zone] = DOMESTIC_ZONES) -> dict[Zone, int]:
    return {zone: int(days) for zone, days in by_zone(values, zones).items()}


@dataclass(frozen=True)
class ServiceCard:
    """One service's rate card: the price of the first pound and of each further pound per zone, and the
    delivery days per zone. The sandbox figures are shaped like the carriers' retail tariffs, not copied."""

    service: str
    code: str  # the carrier's own service code (UPS and USPS print theirs inside the tracking number)
    first_pound: Mapping[Zone, Decimal]
    extra_pound: Mapping[Zone, Decimal]
    transit_days: Mapping[Zone, int]
    max_pounds: int = 150

    @property
    def international(self) -> bool:
        return isinstance(next(iter(self.first_pound)), str)

    def price(self, zone: Zone, pounds: int) -> Decimal:
        return self.first_pound[zone] + self.extra_pound[zone] * (pounds - 1)


@dataclass
class SandboxLabel:
    """What the sandbox knows of a label it sold: enough to track or void it later."""

    tracking_numbers: tuple[str, ...]
    service: str
    transit_days: int
    origin: str
    destination: str
    bought_at: datetime
    voided_at: datetime | None = None


class SandboxCarrier(Carrier):
    name: ClassVar[str]
    cards: ClassVar[tuple[ServiceCard, ...]]
    dim_divisor: ClassVar[int]  # cubic inches per pound
    dim_min_cubic_inches: ClassVar[int] = 0  # dimensional weight applies above this volume only
    saturday_delivery: ClassVar[bool] = False
    tracking_url: ClassVar[str]  # with {number}

    def __init__(self, *, first_serial: int = 1, clock: Callable[[], datetime] | None = None,
                 recall: Callable[[SandboxCarrier, str], SandboxLabel | None] | None = None,
                 serials: Callable[[], int] | None = None):
        """`recall` finds a label this instance did not sell itself (sold by another process of the same
        account, as a real carrier would remember it); None when nobody sold it. `serials` hands out label
        serial numbers shared by every process of the account (default: counting from `first_serial`)."""
        counter = count(first_serial)
        self._next_serial = serials or (lambda: next(counter))
        self._clock = clock or (lambda: datetime.now(UTC))
        self._shipments: dict[str, SandboxLabel] = {}
        self._lock = threading.Lock()
        self._recall = recall

    @abstractmethod
    def tracking_number(self, card: ServiceCard, serial: int) -> str:
        """The carrier's own format, with its check digit, for the n-th label of this account."""

    # --- rating ----------------------------------------------------------------------------------------
    def billable_pounds(self, parcel: Parcel) -> int:
        """The greater of the actual weight and the dimensional weight, in whole pounds rounded up.
        Each side is rounded to the nearest inch first, as the carriers measure."""
        actual = _ceil(Decimal(parcel.weight_g) / GRAMS_PER_POUND)
        sides = [(Decimal(mm) / MM_PER_INCH).quantize(Decimal(1), ROUND_HALF_UP)
                 for mm in (parcel.length_mm, parcel.width_mm, parcel.height_mm)]
        cubic_inches = sides[0] * sides[1] * sides[2]
        dimensional = _ceil(cubic_inches / self.dim_divisor) if cubic_inches > self.dim_min_cubic_inches else 0
        return max(actual, dimensional, 1)

    def zone(self, ship_from: Address, ship_to: Address) -> Zone | None:
        """None when this account does not serve the lane (the sandbox ships from the US only)."""
        if ship_from.country != "US":
            return None
        if ship_to.country == "US":
            return us_zone(ship_from.postal_code, ship_to.postal_code)
        return international_zone(ship_to.country)

    def rates(self, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel], ship_date: date) -> list[Rate]:
        ship_from, ship_to = _verified(ship_from), _verified(ship_to)
        zone = self.zone(ship_from, ship_to)
        if zone is None or not parcels:
            return []
        pounds = [self.billable_pounds(parcel) for parcel in parcels]
        pickup_day = _next_pickup_day(ship_date)
        rates = []
        for card in self.cards:
            if card.international != isinstance(zone, str) or max(pounds) > card.max_pounds:
                continue
            days = card.transit_days[zone]
            rates.append(Rate(
                carrier=self.name, service=card.service, amount=sum(card.price(zone, lb) for lb in pounds),
                currency="USD", transit_days=days,
                estimated_delivery=delivery_date(pickup_day, days, saturday=self.saturday_delivery),
            ))
        return sorted(rates, key=lambda rate: rate.amount)

    # --- labels ----------------------------------------------------------------------------------------
    def buy_label(self, rate: Rate, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel],
                  reference: str, customs: Sequence[CustomsItem] | None = None) -> Label:
        international = is_international(ship_from, ship_to)
        ship_from = _verified(ship_from)
        ship_to = _verified(ship_to, international=international)
        card = self._card(rate)
        if card.international != international:
            raise ServiceNotOffered(f"{self.name} {card.service} does not ship from {ship_from.country} to {ship_to.country}")
        if not parcels:
            raise ServiceNotOffered("a label needs at least one parcel")
        if international and not customs:
            raise CustomsRequired(f"a parcel from {ship_from.country} to {ship_to.country} needs a customs declaration")
        bought_at = self._clock()
        with self._lock:
            numbers = tuple(self.tracking_number(card, self._next_serial()) for _ in parcels)
        pages = [LabelContent(carrier=self.name, service=card.service, tracking_number=number, ship_from=ship_from,
                              ship_to=ship_to, weight_g=parcel.weight_g, reference=reference,
                              ship_date=bought_at.date(), package=(i + 1, len(parcels)), customs=tuple(customs or ()))
                 for i, (number, parcel) in enumerate(zip(numbers, parcels))]
        label = Label(carrier=self.name, service=card.service, tracking_number=numbers[0], pdf=render_pdf(pages),
                      zpl=render_zpl(pages), package_tracking_numbers=numbers,
                      tracking_url=self.tracking_url.format(number=numbers[0]))
        shipment = SandboxLabel(numbers, card.service, int(rate.transit_days or 1), _place(ship_from), _place(ship_to),
                             bought_at)
        with self._lock:
            for number in numbers:
                self._shipments[number] = shipment
        return label

    def _card(self, rate: Rate) -> ServiceCard:
        if rate.carrier != self.name:
            raise ServiceNotOffered(f"{self.name} cannot buy a {rate.carrier} rate")
        for card in self.cards:
            if card.service == rate.service:
                return card
        raise ServiceNotOffered(f"{self.name} has no service called {rate.service!r}")

    # --- after the sale --------------------------------------------------------------------------------
    def void(self, tracking_number: str) -> None:
        shipment = self._shipment(tracking_number)
        now = self._clock()
        with self._lock:
            if shipment.voided_at is not None:
                return
            pickup = self.pickup_at(shipment)
            if now >= pickup:
                raise VoidRefused(f"{self.name} {tracking_number} was picked up at {pickup:%Y-%m-%d %H:%M} UTC; "
                                  "only an unused label can be voided")
            shipment.voided_at = now

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        shipment = self._shipment(tracking_number)
        now = self._clock()
        return [event for event in self.timeline(shipment) if event.occurred_at <= now]

    def timeline(self, shipment: SandboxLabel) -> list[TrackingEvent]:
        """Every scan the parcel will get, from label creation to delivery."""
        created = TrackingEvent(status=TrackingStatus.LABEL_CREATED, occurred_at=shipment.bought_at,
                                description=f"Shipping label created, {self.name} awaiting item",
                                location=shipment.origin)
        if shipment.voided_at is not None:
            return [created, TrackingEvent(status=TrackingStatus.VOIDED, occurred_at=shipment.voided_at,
                                           description="Label voided, postage refunded", location=shipment.origin)]
        pickup = self.pickup_at(shipment)
        arrival = delivery_date(pickup.date(), shipment.transit_days, saturday=self.saturday_delivery)
        events = [created, _scan(TrackingStatus.IN_TRANSIT, pickup, "Picked up", shipment.origin)]
        day = pickup.date() + timedelta(days=1)
        while day < arrival:
            if is_delivery_day(day, saturday=self.saturday_delivery):
                events.append(_scan(TrackingStatus.IN_TRANSIT, _at(day, time(6, 0)), "In transit to destination"))
            day += timedelta(days=1)
        events += [
            _scan(TrackingStatus.IN_TRANSIT, _at(arrival, ARRIVED), "Arrived at destination facility", shipment.destination),
            _scan(TrackingStatus.OUT_FOR_DELIVERY, _at(arrival, OUT_FOR_DELIVERY), "Out for delivery", shipment.destination),
            _scan(TrackingStatus.DELIVERED, _at(arrival, DELIVERED), "Delivered", shipment.destination),
        ]
        return events

    def pickup_at(self, shipment: SandboxLabel) -> datetime:
        bought = shipment.bought_at.astimezone(UTC)
        day = bought.date() if bought.time() < PICKUP else bought.date() + timedelta(days=1)
        return _at(_next_pickup_day(day), PICKUP)

    def _shipment(self, tracking_number: str) -> SandboxLabel:
        number = tracking_number.strip().upper()
        with self._lock:
            shipment = self._shipments.get(number)
        if shipment is None and self._recall is not None:
            shipment = self._recall(self, number)
            if shipment is not None:
                with self._lock:
                    shipment = self._shipments.setdefault(number, shipment)
        if shipment is None:
            raise TrackingNotFound(f"{self.name} has no label with tracking number {tracking_number}")
        return shipment


def _verified(address: Address, *, international: bool = False) -> Address:
    verification = addresses.verify(address, international=international)
    if not verification.ok:
        raise AddressRejected("; ".join(verification.problems), problems=verification.problems)
    return verification.address


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_CEILING))


def _next_pickup_day(day: date) -> date:
    while day.weekday() >= 5:  # no pickups at the weekend
        day += timedelta(days=1)
    return day


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=UTC)


def _scan(status: TrackingStatus, occurred_at: datetime, description: str, location: str = "") -> TrackingEvent:
    return TrackingEvent(status=status, occurred_at=occurred_at, description=description, location=location)


def _place(address: Address) -> str:
    return ", ".join(filter(None, [address.city, address.region, address.country])).upper()
