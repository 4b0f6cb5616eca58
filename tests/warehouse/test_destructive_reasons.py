"""Destructive actions give their reason: refused without one (nothing changes), kept and shown with it, and
only the roles that should may take them."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import roles
from core.reasons import ReasonRequired, clean_reason
from shipping.models import Shipment
from tests.factories import UserFactory
from tests.warehouse.inbound import build_site, make_po, new_product
from tests.warehouse.packing import carton_types
from tests.warehouse.picking import build_pick_site, product
from tests.warehouse.test_packing_api import packed_and_labelled
from warehouse.models import PurchaseOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(roles_ready):
    return build_site()


@pytest.mark.parametrize("bad", ["", "   ", None, 7, "x\x00y", "r" * 501])
def test_a_reason_is_required_one_line_and_no_longer_than_its_column(bad):
    with pytest.raises(ReasonRequired):
        clean_reason(bad)


def test_a_reason_is_trimmed():
    assert clean_reason("  damaged pallet ") == "damaged pallet"
    assert clean_reason("r" * 500) == "r" * 500


@pytest.mark.parametrize("reason", ["", "   ", "r" * 501, "bad\x00byte"])
def test_cancelling_a_po_without_a_usable_reason_changes_nothing(client, site, reason):
    po = make_po(site, [(new_product(site), 3)])
    client.force_login(site.manager)
    response = client.post(reverse("warehouse:po_cancel", args=[po.pk]), {"reason": reason}, follow=True)
    assert response.status_code == 200 and "reason" in response.content.decode()
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.OPEN and po.cancel_reason == "" and po.cancelled_at is None


def test_a_cancelled_po_keeps_and_shows_its_reason(client, site):
    po = make_po(site, [(new_product(site), 3)])
    client.force_login(site.manager)
    page = client.get(reverse("warehouse:po_detail", args=[po.pk])).content.decode()
    assert 'name="reason"' in page and "data-confirm" in page
    response = client.post(reverse("warehouse:po_cancel", args=[po.pk]), {"reason": " supplier went bust "}, follow=True)
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CANCELLED
    assert po.cancel_reason == "supplier went bust" and po.cancelled_by == site.manager.get_username()
    assert po.cancelled_at is not None
    assert "supplier went bust" in response.content.decode() and "data-cancelled" in response.content.decode()


def test_a_receiver_may_not_cancel_a_po(client, site):
    po = make_po(site, [(new_product(site), 3)])
    client.force_login(site.receiver)
    assert 'name="reason"' not in client.get(reverse("warehouse:po_detail", args=[po.pk])).content.decode()
    response = client.post(reverse("warehouse:po_cancel", args=[po.pk]), {"reason": "not mine to cancel"})
    assert response.status_code == 403
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.OPEN and po.cancel_reason == ""


# --- voiding a label ----------------------------------------------------------------------------------------

def test_voiding_a_label_on_the_page_needs_a_reason_and_puts_it_on_the_order_timeline(client, roles_ready):
    ps = build_pick_site()
    carton_types()
    order, _ = packed_and_labelled(APIClient(), ps, UserFactory(role=roles.PACKER), [(product(ps), 1)])
    shipment = Shipment.objects.get()
    client.force_login(ps.manager)
    page = client.get(reverse("warehouse:manifests")).content.decode()
    assert f'aria-label="Reason to void {shipment.tracking_number}"' in page
    url = reverse("warehouse:shipment_void", args=[shipment.pk])
    refused = client.post(url, {"reason": " "}, follow=True)
    assert "a reason is required" in refused.content.decode()
    assert Shipment.objects.get().status == Shipment.Status.LABELLED and not order.events.filter(kind="label_void").exists()
    client.post(url, {"reason": "customer changed the address"})
    assert Shipment.objects.get().status == Shipment.Status.VOIDED
    detail = client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert "void asked: customer changed the address" in detail


@pytest.mark.parametrize("role", [roles.PICKER, roles.RECEIVER, roles.CUSTOMER_SERVICE])
def test_a_role_without_packing_may_not_void_a_label(client, roles_ready, role):
    ps = build_pick_site()
    carton_types()
    packed_and_labelled(APIClient(), ps, UserFactory(role=roles.PACKER), [(product(ps), 1)])
    shipment = Shipment.objects.get()
    client.force_login(UserFactory(role=role))
    response = client.post(reverse("warehouse:shipment_void", args=[shipment.pk]), {"reason": "not mine"})
    assert response.status_code == 403
    assert Shipment.objects.get().status == Shipment.Status.LABELLED
