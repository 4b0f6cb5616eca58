"""Serial trace: a serial leads to its receipt, purchase order, dock bin, order, shipment with tracking and
return; an order leads to its serials, on the staff order page, the order API and the portal, each scoped."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import roles
from inventory.services.stock import stock_move
from returns.models import ReasonCode, ReturnAuthorization, ReturnLine
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.warehouse.inbound import gtin_of, make_po
from tests.warehouse.packing import carton_types
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, released
from warehouse.inbound.services.receiving import receipt_open, receiving_scan
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.packing import pack_scan, pack_start
from warehouse.outbound.services.picking import pick_scan

pytestmark = pytest.mark.django_db


def label(item, serial: str) -> str:
    return f"(01){gtin_of(item)}(21){serial}"


@pytest.fixture
def shipped(roles_ready):
    ps = build_pick_site()
    ps.warehouse.address_line1 = "100 Port St"
    ps.warehouse.save()
    carton_types()
    phone = product(ps, serial_tracked=True)
    po = make_po(ps.site, [(phone, 3)])
    receipt = receipt_open(purchase_order=po, actor=ps.receiver)
    for serial in ("SN-1", "SN-2", "SN-3"):
        receiving_scan(receipt=receipt, raw=label(phone, serial), actor=ps.receiver)
    stock_move(product=phone, from_bin=ps.dock, to_bin=ps.shelves[0], qty=2, actor=ps.manager, reason="test putaway")
    order = released(ps, [(phone, 2)])
    session = planned_and_claimed(ps)
    while (line := current_line(session)) is not None:
        pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=ps.picker)
        pick_scan(session=session, raw=f"x{line.remaining}", actor=ps.picker)
        pick_scan(session=session, raw=line.product.sku, actor=ps.picker)
    packer = UserFactory(role="packer")
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=order.order_number, actor=packer)
    pack_scan(pack=pack, raw=label(phone, "SN-1"), actor=packer)
    pack_scan(pack=pack, raw=label(phone, "SN-2"), actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    shipment = Shipment.objects.get(carton__pack=pack)
    manifest_close(warehouse=ps.warehouse, carrier=shipment.carrier, actor=ps.manager)
    shipment.refresh_from_db()
    return ps, phone, po, receipt, order, shipment


def returned(order, phone, qty):
    """(set-up) an RMA for the order's line, with `qty` units received back"""
    rma = ReturnAuthorization.objects.create(merchant=order.merchant, order=order, warehouse=order.fulfillment_orders.get().warehouse,
                                             number="RMA-T1", resolution="refund", source="test", created_by="test")
    reason = ReasonCode.objects.create(merchant=order.merchant, code="broken", label="Broken")
    ReturnLine.objects.create(rma=rma, order_line=order.lines.get(), product=phone, qty=1, reason=reason, received_qty=qty)
    return rma


def test_a_serial_leads_to_its_receipt_order_shipment_and_return(client, shipped):
    ps, phone, po, receipt, order, shipment = shipped
    returned(order, phone, 1)
    api = APIClient()
    api.force_authenticate(UserFactory(role=roles.CUSTOMER_SERVICE))
    (trace,) = api.get("/api/v1/serials/", {"serial": "SN-2"}).json()["results"]
    assert (trace["sku"], trace["purchase_order"], trace["receipt_id"], trace["received_into_bin"]) == (
        phone.sku, po.number, receipt.pk, ps.dock.code)
    assert (trace["order_number"], trace["tracking_number"], trace["shipment_status"]) == (
        order.order_number, shipment.tracking_number, shipment.status)
    assert trace["shipped_at"] and trace["returned"] is True and trace["returns"][0]["rma_number"] == "RMA-T1"
    (waiting,) = api.get("/api/v1/serials/", {"serial": "SN-3"}).json()["results"]
    assert (waiting["order_number"], waiting["tracking_number"], waiting["returned"]) == ("", "", False)
    assert api.get("/api/v1/serials/", {"serial": "SN-404"}).json()["count"] == 0
    for bad in ({"serial": "S\x00N"}, {"serial": "x" * 21}, {}):
        assert api.get("/api/v1/serials/", bad).status_code == 400, bad

    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    page = client.get("/returns/serials/", {"serial": "SN-1"}).content.decode()
    assert order.order_number in page and shipment.tracking_number in page and "RMA-T1" in page
    assert client.get("/returns/serials/", {"serial": "\x00"}).status_code == 400


def test_an_order_leads_to_its_serials_on_the_order_page_and_api(client, shipped):
    ps, phone, po, receipt, order, shipment = shipped
    api = APIClient()
    api.force_authenticate(UserFactory(role=roles.CUSTOMER_SERVICE))
    rows = api.get(f"/api/v1/orders/{order.pk}/serials/").json()
    assert [(r["serial"], r["tracking_number"]) for r in rows] == [("SN-1", shipment.tracking_number),
                                                                   ("SN-2", shipment.tracking_number)]
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert f"/returns/orders/{order.pk}/serials/" in detail
    panel = client.get(f"/returns/orders/{order.pk}/serials/").content.decode()
    assert 'data-serial="SN-1"' in panel and 'data-serial="SN-2"' in panel and 'data-serial="SN-3"' not in panel


def test_serial_reads_cost_the_same_queries_for_one_unit_or_many(shipped):
    ps, phone, po, receipt, order, shipment = shipped
    api = APIClient()
    api.force_authenticate(UserFactory(role=roles.CUSTOMER_SERVICE))
    api.get(f"/api/v1/orders/{order.pk}/serials/")
    with CaptureQueriesContext(connection) as two:
        assert len(api.get(f"/api/v1/orders/{order.pk}/serials/").json()) == 2
    returned(order, phone, 0)
    with CaptureQueriesContext(connection) as again:
        api.get(f"/api/v1/orders/{order.pk}/serials/")
    assert len(again) == len(two)


def test_a_merchant_traces_only_its_own_serials_and_orders(client, shipped):
    ps, phone, po, receipt, order, shipment = shipped
    own = merchant_user(ps.merchant)
    client.force_login(own)
    page = client.get("/portal/serials/", {"serial": "SN-1"}).content.decode()
    assert order.order_number in page and shipment.tracking_number in page
    assert 'data-serial="SN-2"' in client.get(f"/portal/orders/{order.pk}/").content.decode()
    stranger = merchant_user(MerchantFactory())
    client.force_login(stranger)
    assert 'data-serial="SN-1"' not in client.get("/portal/serials/", {"serial": "SN-1"}).content.decode()
    api = APIClient()
    api.force_authenticate(stranger)
    assert api.get("/api/v1/serials/", {"serial": "SN-1"}).json()["count"] == 0
    assert api.get(f"/api/v1/orders/{order.pk}/serials/").status_code == 404
