import datetime as dt

import pytest

from inventory.gtin import gtin_is_valid, gtin_normalize
from warehouse.scanning import ScanError, ScanKind, parse_scan


@pytest.mark.parametrize(
    "code,gtin14",
    [
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A
        ("4006381333931", "04006381333931"),  # EAN-13
        ("09506000134352", "09506000134352"),  # GTIN-14
        ("10614141000415", "10614141000415"),  # GTIN-14, packaging level 1
    ],
)
def test_gtins_of_every_length_normalize_to_14_digits(code, gtin14):
    assert gtin_normalize(code) == gtin14
    scan = parse_scan(code)
    assert (scan.kind, scan.gtin, scan.is_product) == (ScanKind.GTIN, gtin14, True)


@pytest.mark.parametrize("code,right", [("96385075", "4"), ("036000291453", "2"), ("4006381333932", "1"), ("09506000134353", "2")])
def test_a_wrong_check_digit_is_explained_in_words(code, right):
    assert not gtin_is_valid(code)
    with pytest.raises(ScanError, match=f"check digit should be {right}"):
        parse_scan(code)


def test_gs1_128_with_fnc1_separator_and_symbology_identifier():
    scan = parse_scan("]C1010950600013435217271130\x1d10LOT-42\x1d21SN0001")
    assert scan.kind == ScanKind.GS1
    assert (scan.gtin, scan.lot, scan.expiry, scan.serial) == ("09506000134352", "LOT-42", dt.date(2027, 11, 30), "SN0001")


def test_gs1_human_readable_form_and_day_00_expiry():
    scan = parse_scan("(01)09506000134352(17)270200(10)B7(30)12")
    assert (scan.lot, scan.expiry, scan.count) == ("B7", dt.date(2027, 2, 28), 12)


def test_gs1_without_symbology_prefix_starting_with_ai_01():
    scan = parse_scan("0109506000134352" + "17270101")
    assert (scan.gtin, scan.expiry) == ("09506000134352", dt.date(2027, 1, 1))


def test_gs1_with_a_bad_gtin_is_refused():
    with pytest.raises(ScanError):
        parse_scan("]C1010950600013435317271130")


def test_sscc_plain_and_with_ai_00():
    assert parse_scan("376104250021234569").sscc == "376104250021234569"
    assert parse_scan("00376104250021234569").kind == ScanKind.SSCC
    with pytest.raises(ScanError, match="SSCC 376104250021234568: check digit should be 9"):
        parse_scan("376104250021234568")


@pytest.mark.parametrize(
    "raw,kind,code",
    [("BIN:A-01-02-B", ScanKind.BIN, "A-01-02-B"), ("tote:t-001", ScanKind.TOTE, "T-001"), ("PO:4500012", ScanKind.PO, "4500012"),
     ("RMA:r-77", ScanKind.RMA, "R-77"), ("TENT-1", ScanKind.SKU, "TENT-1")],
)
def test_internal_labels_and_sku_fallback(raw, kind, code):
    scan = parse_scan(raw)
    assert (scan.kind, scan.code) == (kind, code)


def test_typed_quantities():
    assert parse_scan("x5").qty == 5
    assert parse_scan("QTY:12").qty == 12
    with pytest.raises(ScanError):
        parse_scan("x0")


@pytest.mark.parametrize("raw", ["", "   ", "\n", "BIN:"])
def test_empty_scans_are_errors(raw):
    with pytest.raises(ScanError):
        parse_scan(raw)
