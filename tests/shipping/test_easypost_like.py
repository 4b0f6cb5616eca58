"""The EasyPost-style adapter against a real local HTTP server playing the API."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shipping.carriers.base import TrackingStatus
from shipping.carriers.easypost_like import EasyPostLike
from shipping.exceptions import (
    CarrierRejected,
    CarrierUnavailable,
    CustomsRequired,
    ServiceNotOffered,
    ShippingError,
    VoidRefused,
)
from shipping.tracking_numbers import is_valid
from tests.shipping.conftest import ATLANTA, BERLIN, SHOEBOX, T_SHIRTS, WAREHOUSE
from tests.shipping.easypost_peer import EasyPostPeer

MONDAY = date(2025, 3, 3)


@pytest.fixture
def peer():
    with EasyPostPeer() as peer:
        yield peer


@pytest.fixture
def api(peer):
    return EasyPostLike(peer.url, peer.api_key, timeout=5)


def test_rates_post_a_shipment_and_read_its_rates(api, peer):
    rates = api.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)
    assert [(r.carrier, r.service, r.amount) for r in rates] == [
        ("USPS", "GroundAdvantage", Decimal("8.45")), ("USPS", "Priority", Decimal("11.20")),
        ("UPS", "Ground", Decimal("12.90")), ("FedEx", "FEDEX_2_DAY", Decimal("27.35")),
        ("UPS", "NextDayAir", Decimal("48.10"))]
    priority = rates[1]
    assert priority.transit_days == 2 and priority.estimated_delivery == date(2025, 3, 5)
    assert priority.rate_id.startswith("rate_") and priority.shipment_id.startswith("shp_")

    (sent,) = peer.requests_to("POST", "/v2/shipments")
    assert sent["headers"]["authorization"] == "Basic " + base64.b64encode(b"EZTK_peer_test_key:").decode()
    shipment = sent["json"]["shipment"]
    assert shipment["to_address"] == {"name": "Grace Hopper", "company": "", "street1": "55 Trinity Ave SW",
                                      "street2": "", "city": "Atlanta", "state": "GA", "zip": "30303",
                                      "country": "US", "phone": ""}
    # 300 x 200 x 120 mm and 1200 g, in the inches and ounces the API takes.
    assert shipment["parcel"] == {"length": 11.8, "width": 7.9, "height": 4.7, "weight": 42.3}
    assert shipment["options"]["label_date"] == "2025-03-03"


def test_buy_label_buys_the_chosen_service_and_downloads_both_labels(api, peer):
    chosen = next(r for r in api.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY) if r.carrier == "UPS")
    label = api.buy_label(chosen, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1001")

    assert (label.carrier, label.service) == ("UPS", "Ground")
    assert is_valid("UPS", label.tracking_number)
    assert label.pdf.startswith(b"%PDF") and label.tracking_number.encode() in label.pdf
    assert f"^FD{label.tracking_number}^FS" in label.zpl
    assert label.tracking_url.endswith(label.tracking_number)

    quoted_on, bought_on = peer.requests_to("POST", "/v2/shipments")  # the quote, then the purchase
    assert "reference" not in quoted_on["json"]["shipment"]
    assert bought_on["json"]["shipment"]["reference"] == "SO-1001"
    (buy,) = peer.requests_to("POST", "/v2/shipments/*/buy")
    shipment = peer.shipments[buy["path"].split("/")[3]]
    assert buy["json"] == {"rate": {"id": next(r["id"] for r in shipment["rates"]
                                               if (r["carrier"], r["service"]) == ("UPS", "Ground"))}}
    assert shipment["selected_rate"]["service"] == "Ground"
    downloads = peer.requests_to("GET", "/files/*")
    assert len(downloads) == 2 and all("authorization" not in r["headers"] for r in downloads)
    (zpl,) = peer.requests_to("GET", "/v2/shipments/*/label")
    assert zpl["query"] == {"file_format": ["ZPL"]}


def test_international_labels_send_the_customs_declaration(api, peer):
    chosen = next(r for r in api.rates(WAREHOUSE, BERLIN, [SHOEBOX], MONDAY) if r.carrier == "FedEx")
    with pytest.raises(CustomsRequired):
        api.buy_label(chosen, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9")
    label = api.buy_label(chosen, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9", customs=T_SHIRTS)
    assert is_valid("FedEx", label.tracking_number)
    customs = peer.requests_to("POST", "/v2/shipments")[-1]["json"]["shipment"]["customs_info"]
    assert customs["customs_signer"] == "Northwind Fulfillment" and customs["eel_pfc"] == "NOEEI 30.37(a)"
    assert customs["customs_items"][0] == {"description": "Cotton T-shirt", "quantity": 3, "value": "45.00",
                                           "currency": "USD", "hs_tariff_number": "610910", "origin_country": "PT",
                                           "weight": 21.2}


def test_an_error_answer_becomes_a_clear_exception(api, peer):
    with pytest.raises(CarrierRejected) as rejected:
        api.rates(WAREHOUSE, replace(ATLANTA, postal_code=""), [SHOEBOX], MONDAY)
    assert rejected.value.status == 422
    assert str(rejected.value) == ("POST /v2/shipments answered 422: Missing required parameter. (PARAMETER.REQUIRED)"
                                   " - shipment.to_address.zip: cannot be blank")


def test_a_service_withdrawn_since_the_quote_is_not_bought(api, peer):
    chosen = api.rates(WAREHOUSE, BERLIN, [SHOEBOX], MONDAY)[0]
    peer.quotes = []  # the carrier stopped offering the service between the quote and the purchase
    with pytest.raises(ServiceNotOffered, match="no longer offered"):
        api.buy_label(chosen, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9", customs=T_SHIRTS)


def test_a_wrong_key_is_rejected_and_never_echoed(peer):
    api = EasyPostLike(peer.url, "EZTK_wrong_key_12345")
    with pytest.raises(CarrierRejected) as rejected:
        api.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)
    assert rejected.value.status == 401
    assert "This api key is no longer active. (APIKEY.INACTIVE)" in str(rejected.value)
    assert "EZTK_wrong_key_12345" not in str(rejected.value)


def test_an_unavailable_api_is_worth_retrying(api, peer):
    peer.down = True
    with pytest.raises(CarrierUnavailable) as unavailable:
        api.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)
    assert unavailable.value.status == 503
    nobody = EasyPostLike("http://127.0.0.1:9", "EZTK_key", timeout=2)  # the discard port: nothing listens
    with pytest.raises(CarrierUnavailable, match="failed"):
        nobody.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)


def test_one_parcel_per_shipment(api):
    with pytest.raises(ShippingError, match="one parcel per shipment"):
        api.rates(WAREHOUSE, ATLANTA, [SHOEBOX, SHOEBOX], MONDAY)


def test_track_reads_the_tracker(api, peer):
    chosen = next(r for r in api.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY) if r.carrier == "USPS")
    label = api.buy_label(chosen, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1")
    bought = datetime.now(UTC)  # the API stamps its pre-transit event with the purchase time
    peer.scan(label.tracking_number, "delivered", "Delivered, In/At Mailbox", bought + timedelta(days=2, hours=5),
              city="ATLANTA")
    peer.scan(label.tracking_number, "in_transit", "Departed USPS Regional Facility", bought + timedelta(hours=16),
              city="KEARNY")
    peer.scan(label.tracking_number, "out_for_delivery", "Out for Delivery", bought + timedelta(days=2),
              city="ATLANTA")
    events = api.track(label.tracking_number)
    assert [e.status for e in events] == [TrackingStatus.LABEL_CREATED, TrackingStatus.IN_TRANSIT,
                                          TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED]
    assert events[-1].description == "Delivered, In/At Mailbox" and events[-1].location == "ATLANTA, US"
    (lookup,) = peer.requests_to("GET", "/v2/trackers")
    assert lookup["query"] == {"tracking_codes[]": [label.tracking_number], "carrier": ["USPS"]}


def test_track_creates_a_tracker_the_api_does_not_know_yet(api, peer):
    events = api.track("986578788855")
    assert events == []
    (created,) = peer.requests_to("POST", "/v2/trackers")
    assert created["json"] == {"tracker": {"tracking_code": "986578788855", "carrier": "FedEx"}}


def test_void_asks_for_a_refund(api, peer):
    chosen = next(r for r in api.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY) if r.carrier == "UPS")
    label = api.buy_label(chosen, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1")
    api.void(label.tracking_number)
    assert peer.refunds[-1]["tracking_code"] == label.tracking_number and peer.refunds[-1]["carrier"] == "UPS"
    peer.refuse_refunds = True
    with pytest.raises(VoidRefused, match="refund rejected"):
        api.void(label.tracking_number)
    with pytest.raises(ShippingError, match="not a UPS, USPS or FedEx tracking number"):
        api.void("not-a-number")
