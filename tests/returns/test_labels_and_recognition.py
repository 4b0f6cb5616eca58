"""Return labels bought between two short transactions, the RMA slip's barcode read back from the PDF,
and what the returns bench recognises: our RMA codes and UPS, USPS and FedEx numbers by their check digits."""

import pytest

from returns.models import LabelStatus, ParcelStatus, RmaStatus
from returns.printing import rma_slip_pdf, rma_slip_zpl
from returns.services.labels import rma_label_buy
from returns.services.receiving import parcel_receive
from shipping import tracking_numbers as tn
from tests.returns.factories import build_return_site, open_rma, shipped_order
from tests.shipping.test_labels import decoded, rasterize
from warehouse.scanning import ScanError, ScanKind, parse_parcel_scan

UPS = tn.ups_tracking_number("1A2B3C", "90", 1234567)
USPS = tn.usps_impb("92", "055", "901234567", 7654321)
USPS_S10 = tn.usps_s10("EC", 12345678)
FEDEX = tn.fedex_tracking_number(98657878885)


def _wrong_check(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize(("number", "carrier"), [(UPS, "UPS"), (USPS, "USPS"), (USPS_S10, "USPS"), (FEDEX, "FedEx"),
                                                 ("986578788855", "FedEx"), ("1Z999AA10123456784", "UPS")])
def test_carrier_return_numbers_are_recognised(number, carrier):
    scan = parse_parcel_scan(f" {number.lower()}\n")
    assert (scan.kind, scan.carrier, scan.code) == (ScanKind.TRACKING, carrier, number)


def test_usps_label_with_zip_routing_prefix_is_read_as_its_impb():
    scan = parse_parcel_scan("42007114" + USPS)
    assert (scan.kind, scan.code) == (ScanKind.TRACKING, USPS)


@pytest.mark.parametrize("number", [_wrong_check(UPS), _wrong_check(USPS), _wrong_check(FEDEX), "986578788856",
                                    "1Z999AA10123456785"])
def test_a_wrong_check_digit_is_refused(number):
    with pytest.raises(ScanError, match="check digit is wrong"):
        parse_parcel_scan(number)


def test_rma_codes_are_recognised():
    scan = parse_parcel_scan("rma:r-000123")
    assert (scan.kind, scan.code) == (ScanKind.RMA, "R-000123")
    with pytest.raises(ScanError):
        parse_parcel_scan("RMA:")


@pytest.mark.django_db
def test_the_rma_slip_prints_a_code_128_that_scans_back_as_the_rma(tmp_path):
    site = build_return_site()
    order = shipped_order(site, [(site.products[0], 1)])
    rma = open_rma(site, order, [(site.products[0], 1)])
    pages = rasterize(rma_slip_pdf(rma), tmp_path)
    assert decoded(pages[0]) == [rma.code]
    assert parse_parcel_scan(decoded(pages[0])[0]).code == rma.number
    zpl = rma_slip_zpl(rma)
    assert zpl.startswith("^XA") and f"^FD{rma.code}^FS" in zpl


@pytest.mark.django_db(transaction=True)
def test_return_label_is_bought_outside_a_transaction_and_its_tracking_number_finds_the_rma(tmp_path):
    site = build_return_site()
    order = shipped_order(site, [(site.products[0], 1)])
    rma = open_rma(site, order, [(site.products[0], 1)])
    rma = rma_label_buy(rma=rma, actor=site.agent)
    assert rma.label_status == LabelStatus.BOUGHT and rma.label_reference
    assert tn.identify(rma.tracking_number) == rma.carrier
    assert rma.label_zpl.startswith("^XA") and bytes(rma.label_pdf).startswith(b"%PDF")
    assert rma.tracking_number in decoded(rasterize(bytes(rma.label_pdf), tmp_path)[0])
    with pytest.raises(Exception, match="already has a label"):
        rma_label_buy(rma=rma, actor=site.agent)

    parcel = parcel_receive(warehouse=site.warehouse, raw=tn.human_readable(rma.tracking_number), actor=site.processor)
    rma.refresh_from_db()
    assert parcel.status == ParcelStatus.OPEN and parcel.rma == rma and rma.status == RmaStatus.RECEIVED


@pytest.mark.django_db(transaction=True)
def test_a_refused_label_purchase_is_recorded_and_can_be_retried():
    site = build_return_site()
    order = shipped_order(site, [(site.products[0], 1)])
    order.ship_postal_code = "00000"
    order.save(update_fields=["ship_postal_code"])
    rma = open_rma(site, order, [(site.products[0], 1)])
    rma = rma_label_buy(rma=rma, actor=site.agent)
    assert rma.label_status == LabelStatus.FAILED and rma.label_error and not rma.tracking_number
    assert rma.events.filter(kind="label_failed").exists()
    order.ship_postal_code = "07102"
    order.save(update_fields=["ship_postal_code"])
    assert rma_label_buy(rma=rma, actor=site.agent).label_status == LabelStatus.BOUGHT
