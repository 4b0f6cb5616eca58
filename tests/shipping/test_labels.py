"""Labels as a scanner sees them: the PDF is rasterized at a thermal printer's 203 dpi with poppler's
pdftoppm and the barcode is read back with zxing-cpp."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from shipping.carriers.base import CustomsItem
from shipping.carriers.sandbox import SandboxFedEx, SandboxUPS, SandboxUSPS
from shipping.exceptions import CustomsRequired
from shipping.labels import LabelContent, render_pdf, render_zpl
from shipping.tracking_numbers import is_valid
from tests.shipping.conftest import ATLANTA, BERLIN, SHOEBOX, T_SHIRTS, WAREHOUSE

MONDAY = date(2025, 3, 3)
ZPL_BARCODE = re.compile(r"\^BC[^\^]*\^FD(?P<data>[^\^]*)\^FS")


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} is missing: install Debian's poppler-utils (`make browser` does)")
    return path


def rasterize(pdf: bytes, folder: Path) -> list[Image.Image]:
    (folder / "label.pdf").write_bytes(pdf)
    subprocess.run([poppler("pdftoppm"), "-r", "203", "-png", str(folder / "label.pdf"), str(folder / "page")],
                   check=True, capture_output=True, timeout=60)
    return [Image.open(path) for path in sorted(folder.glob("page-*.png"))]


def pdf_text(pdf: bytes, folder: Path) -> str:
    (folder / "text.pdf").write_bytes(pdf)
    done = subprocess.run([poppler("pdftotext"), "-layout", str(folder / "text.pdf"), "-"], check=True,
                          capture_output=True, text=True, timeout=60)
    return done.stdout


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.Code128]


@pytest.mark.parametrize(("carrier_class", "destination", "customs"), [
    (SandboxUPS, ATLANTA, None), (SandboxUSPS, ATLANTA, None), (SandboxFedEx, ATLANTA, None),
    (SandboxUPS, BERLIN, T_SHIRTS), (SandboxUSPS, BERLIN, T_SHIRTS), (SandboxFedEx, BERLIN, T_SHIRTS),
], ids=["ups", "usps", "fedex", "ups-intl", "usps-intl", "fedex-intl"])
def test_the_printed_barcode_scans_as_a_valid_tracking_number(carrier_class, destination, customs, clock, tmp_path):
    carrier = carrier_class(clock=clock)
    rate = carrier.rates(WAREHOUSE, destination, [SHOEBOX], MONDAY)[0]
    label = carrier.buy_label(rate, WAREHOUSE, destination, [SHOEBOX], "SO-1001", customs=customs)

    (page,) = rasterize(label.pdf, tmp_path)
    assert page.size == (812, 1218)  # 4 x 6 inches at 203 dpi
    assert decoded(page) == [label.tracking_number]
    assert is_valid(carrier.name, decoded(page)[0])

    zpl_barcodes = [m["data"] for m in ZPL_BARCODE.finditer(label.zpl)]
    assert zpl_barcodes == [label.tracking_number]
    assert label.zpl.startswith("^XA") and label.zpl.rstrip().endswith("^XZ")


def test_the_label_prints_addresses_service_weight_and_reference(clock, tmp_path):
    usps = SandboxUSPS(clock=clock)
    rate = next(r for r in usps.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY) if r.service == "Priority Mail")
    label = usps.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX], "SO-1001")
    text = pdf_text(label.pdf, tmp_path)
    for expected in ("FROM:", "Northwind Fulfillment", "Newark, NJ 07105", "SHIP TO:", "Grace Hopper",
                     "55 Trinity Ave SW", "Atlanta, GA 30303", "USPS PRIORITY MAIL", "1.20 KG / 2.65 LB",
                     "REF: SO-1001", "SHIP 2025-03-03", "PKG 1 OF 1", "9205 5901 2345 6700 0000 1"):
        assert expected in text, expected
        assert expected.split(" ")[0] in label.zpl
    assert "CUSTOMS" not in text and "CUSTOMS" not in label.zpl
    assert "^FDUSPS PRIORITY MAIL^FS" in label.zpl and "^FDGrace Hopper^FS" in label.zpl


def test_international_labels_carry_the_customs_block(clock, tmp_path):
    fedex = SandboxFedEx(clock=clock)
    rate = fedex.rates(WAREHOUSE, BERLIN, [SHOEBOX], MONDAY)[0]
    label = fedex.buy_label(rate, WAREHOUSE, BERLIN, [SHOEBOX], "SO-9", customs=T_SHIRTS)
    text = pdf_text(label.pdf, tmp_path)
    assert "CUSTOMS DECLARATION" in text
    for line in (("Cotton T-shirt", "3", "610910", "PT", "45.00 USD"), ("Enamel mug", "1", "732394", "CN", "12.50 USD")):
        assert re.search(r"\s+".join(map(re.escape, line)), text), line
        assert all(f"^FD{cell}^FS" in label.zpl for cell in line)
    assert "TOTAL VALUE: 57.50 USD" in text and "^FDTOTAL VALUE: 57.50 USD^FS" in label.zpl
    assert "Jana Müller" in text  # Latin-1 names survive in both
    assert "^CI28" in label.zpl and "^FDJana Müller^FS" in label.zpl


def test_a_multi_package_label_has_a_scannable_page_per_package(clock, tmp_path):
    ups = SandboxUPS(clock=clock)
    rate = ups.rates(WAREHOUSE, ATLANTA, [SHOEBOX, SHOEBOX], MONDAY)[0]
    label = ups.buy_label(rate, WAREHOUSE, ATLANTA, [SHOEBOX, SHOEBOX], "SO-2")
    pages = rasterize(label.pdf, tmp_path)
    assert [decoded(page) for page in pages] == [[number] for number in label.package_tracking_numbers]
    assert [m["data"] for m in ZPL_BARCODE.finditer(label.zpl)] == list(label.package_tracking_numbers)
    assert "PKG 2 OF 2" in pdf_text(label.pdf, tmp_path)


def test_international_content_without_customs_is_refused():
    content = LabelContent(carrier="UPS", service="Worldwide Saver", tracking_number="1Z999AA10123456784",
                           ship_from=WAREHOUSE, ship_to=BERLIN, weight_g=500)
    with pytest.raises(CustomsRequired, match="from US to DE needs a customs declaration"):
        render_pdf([content])
    with pytest.raises(CustomsRequired):
        render_zpl([content])


def test_zpl_control_characters_in_text_are_escaped():
    tricky = WAREHOUSE.__class__(name="A^B~C_D", line1="1 Main St", city="Newark", region="NJ",
                                 postal_code="07105", country="US")
    content = LabelContent(carrier="UPS", service="Ground", tracking_number="1Z999AA10123456784",
                           ship_from=WAREHOUSE, ship_to=tricky, weight_g=500)
    assert "^FH_^FDA_5EB_7EC_5FD^FS" in render_zpl([content])


def test_many_customs_lines_point_to_the_commercial_invoice(tmp_path):
    items = tuple(CustomsItem(description=f"Item {i}", quantity=1, value=Decimal("10.00"), hs_code="610910",
                              origin_country="US") for i in range(9))
    content = LabelContent(carrier="UPS", service="Worldwide Saver", tracking_number="1Z999AA10123456784",
                           ship_from=WAREHOUSE, ship_to=BERLIN, weight_g=500, customs=items)
    text = pdf_text(render_pdf([content]), tmp_path)
    assert "Item 5" in text and "Item 6" not in text
    assert "+ 3 MORE ITEMS ON THE COMMERCIAL INVOICE" in text
    assert "TOTAL VALUE: 90.00 USD" in text
