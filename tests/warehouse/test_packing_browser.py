"""A packer packs and labels an order with the keyboard alone, downloads the label, and the manifest ships it."""

import subprocess

import pytest
import zxingcpp
from PIL import Image

from core import roles
from inventory.models import BinStock
from orders.models import Order
from shipping import tracking_numbers
from shipping.models import Shipment
from tests.browser import login, wait_station_idle
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product

pytestmark = pytest.mark.django_db(transaction=True)


def test_pack_and_ship_with_the_keyboard_alone_and_download_the_label(live_server, page, tmp_path):
    ps = build_pick_site()
    carton_types()
    packer = UserFactory(role=roles.PACKER)
    packer.set_password("pack-pass-1")
    packer.save()
    shirt, mug, stranger = product(ps), product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 1)])

    login(page, live_server.url, packer.username, "pack-pass-1")
    page.goto(f"{live_server.url}/warehouse/packing/{ps.warehouse.code}/{ps.pack.code}/")
    keys = page.keyboard
    keys.type(f"TOTE:{tote.code}\n")
    wait_station_idle(page)
    assert f"Packing {order.order_number}" in page.locator("[data-scan-result]").inner_text()
    keys.type(gtin_of(stranger) + "\n")
    wait_station_idle(page)
    assert "wrong item" in page.locator('[data-scan-result="error"]').inner_text()
    keys.type(f"{shirt.sku}\n{gtin_of(shirt)}\n")
    wait_station_idle(page)
    keys.press("F9")  # close and label: refused, the mug is missing
    wait_station_idle(page)
    assert f"missing: 1 x {mug.sku}" in page.locator('[data-scan-result="error"]').inner_text()
    keys.type(f"{mug.sku}\n")
    wait_station_idle(page)
    keys.press("Tab")  # the scale field: a USB scale (or the packer) types the grams there
    keys.type("1900\n")
    wait_station_idle(page)
    assert "weighs 1.900 kg" in page.locator("[data-scan-result]").inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-scan-input')")
    keys.press("F9")
    wait_station_idle(page)
    assert page.locator("[data-scan-result]").get_attribute("data-scan-result") == "ok"
    shipment = Shipment.objects.get()
    assert shipment.weight_g == 1900
    assert page.locator(f'[data-label="{shipment.tracking_number}"]').count() == 1

    with page.expect_download() as download:
        keys.press("Tab")  # from the scan input to the label's PDF link
        keys.press("Enter")
    pdf = tmp_path / "label.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-r", "203", "-png", "-singlefile", str(pdf), str(tmp_path / "label")], check=True)
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "label.png"))]
    assert shipment.tracking_number in decoded
    assert tracking_numbers.is_valid(shipment.carrier, shipment.tracking_number)

    page.goto(f"{live_server.url}/warehouse/manifests/")
    page.wait_for_function("() => document.activeElement && 'closeManifest' in document.activeElement.dataset")
    page.once("dialog", lambda dialog: dialog.accept())  # closing a manifest asks for confirmation
    with page.expect_navigation():
        keys.press("Enter")  # the close button has focus
    assert "parcel(s) shipped" in page.content(), page.content()[:2000]
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert not BinStock.objects.filter(product__in=[shirt, mug], qty__gt=0).exists()
    assert_stock_invariants()
