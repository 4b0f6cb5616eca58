"""Packing slips: the merchant's words, a product-tag template over the default, the order's lines."""

import subprocess

import pytest
from django.urls import reverse

from core import roles
from tests.factories import UserFactory
from tests.warehouse.packing import picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.models import PackingSlipTemplate
from warehouse.outbound.services.packing_slips import packing_slip_pdf

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_slip_uses_the_default_template_or_the_product_tags_template(tmp_path, client):
    ps = build_pick_site()
    plain, gift = product(ps, name="Plain Tee"), product(ps, name="Gift Mug", tags="gift,fragile")
    PackingSlipTemplate.objects.create(merchant=ps.merchant, header_note="Thanks for shopping with us!",
                                       footer_note="Returns within 30 days.")
    PackingSlipTemplate.objects.create(merchant=ps.merchant, product_tag="gift", title="Gift receipt",
                                       header_note="Someone thought of you.")
    order, _ = picked(ps, [(plain, 2)])
    text = pdf_text(packing_slip_pdf(order.fulfillment_orders.get()), tmp_path)
    assert "Thanks for shopping with us!" in text and "Returns within 30 days." in text
    assert order.order_number in text and plain.sku in text and "Plain Tee" in text

    gift_order, _ = picked(ps, [(gift, 1)])
    fulfillment = gift_order.fulfillment_orders.get()
    text = pdf_text(packing_slip_pdf(fulfillment), tmp_path)
    assert "Gift receipt" in text and "Someone thought of you." in text and "Thanks for shopping" not in text

    client.force_login(UserFactory(role=roles.PACKER))
    response = client.get(reverse("warehouse:packing_slip", args=[fulfillment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    assert client.get(reverse("warehouse:packing_slip", args=[fulfillment.pk])).status_code == 403
