"""The returns station through its HTTP endpoint (scan after scan, each applied once) and the pages for
customer service, the flush batch and the insight figures."""

import uuid

import pytest
from django.urls import reverse

from core import roles
from inventory.models import BinStock, Condition
from returns.models import ParcelStatus, ReturnParcel, RmaStatus
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_receive, unit_receive
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.inventory.invariants import assert_stock_invariants
from tests.returns.factories import build_return_site, gtin_of, open_rma, shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(roles_ready):
    return build_return_site()


def scan(client, site, code, scan_id=None):
    return client.post(reverse("returns:station_submit", args=[site.warehouse.code]),
                       {"code": code, "scan_id": scan_id or str(uuid.uuid4())}, HTTP_HX_REQUEST="true")


def test_station_happy_path_is_scan_grade_enter(client, site):
    shirt, mug = site.products
    order = shipped_order(site, [(shirt, 2), (mug, 1)])
    rma = open_rma(site, order, [(shirt, 2), (mug, 1)])
    client.force_login(site.processor)
    assert client.get(reverse("returns:station", args=[site.warehouse.code])).status_code == 200
    answer = scan(client, site, rma.code)
    assert f"Return {rma.number}" in answer.content.decode() and 'data-scan-result="ok"' in answer.content.decode()
    for code, grade in [(gtin_of(shirt), "CMD:GRADE:LIKE_NEW"), (shirt.sku, "CMD:GRADE:GOOD"), (gtin_of(mug), "CMD:GRADE:DAMAGED")]:
        assert "grade it" in scan(client, site, code).content.decode()
        assert "Enter to confirm" in scan(client, site, grade).content.decode()
        last = scan(client, site, "")  # Enter: the proposed destination
        assert 'data-scan-result="ok"' in last.content.decode(), last.content.decode()
    assert f"Return {rma.number} is graded" in last.content.decode()
    rma.refresh_from_db()
    assert rma.status == RmaStatus.GRADED and not ReturnParcel.objects.filter(status=ParcelStatus.OPEN).exists()
    assert BinStock.objects.get(product=shirt, bin=site.shelves[0], condition=Condition.SELLABLE).qty == 2
    assert_stock_invariants()


def test_station_refusals_are_loud_and_a_replayed_scan_is_applied_once(client, site):
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 2)])
    rma = open_rma(site, order, [(shirt, 2)])
    client.force_login(site.processor)
    assert 'data-scan-result="error"' in scan(client, site, "1Z7Y4V610300000050").content.decode()
    assert 'data-scan-result="error"' in scan(client, site, "").content.decode()
    scan(client, site, rma.code)
    repeated = str(uuid.uuid4())
    scan(client, site, shirt.sku, repeated)
    scan(client, site, shirt.sku, repeated)  # the station re-sent it after a lost answer
    assert rma.lines.get().received_qty == 1
    assert 'data-scan-result="error"' in scan(client, site, shirt.sku).content.decode()  # grade first
    scan(client, site, "NOTE:scuffed sole")
    scan(client, site, "CMD:GRADE:GOOD")
    answer = scan(client, site, f"BIN:{site.shelves[2].code}").content.decode()
    assert site.shelves[2].code in answer
    unit = rma.units.get()
    assert unit.notes == "scuffed sole" and unit.to_bin == site.shelves[2]
    assert "finished" in scan(client, site, "CMD:DONE").content.decode()
    rma.refresh_from_db()
    assert rma.status == RmaStatus.GRADED


def test_station_keeps_an_unexpected_parcel(client, site):
    client.force_login(site.processor)
    answer = scan(client, site, "LABEL-FROM-ELSEWHERE-1").content.decode()
    assert "UNEXPECTED PARCEL" in answer and "RET-PARCEL" in answer
    assert ReturnParcel.objects.get().status == ParcelStatus.UNMATCHED
    client.force_login(site.manager)
    assert "LABEL-FROM-ELSEWHERE-1" in client.get(reverse("returns:parcel_queue")).content.decode()


def test_pages_for_customer_service_flush_and_insight(client, site, django_assert_max_num_queries):
    shirt, mug = site.products
    order = shipped_order(site, [(shirt, 2), (mug, 1)])
    client.force_login(site.agent)
    page = client.get(reverse("returns:rma_new", args=[order.pk]))
    assert page.status_code == 200
    line = order.lines.get(product=shirt)
    made = client.post(reverse("returns:rma_new", args=[order.pk]), {
        f"qty_{line.pk}": "2", f"reason_{line.pk}": "defective", "resolution": "refund"})
    assert made.status_code == 302
    from returns.models import ReturnAuthorization

    rma = ReturnAuthorization.objects.get(order=order)
    assert rma.status == RmaStatus.AUTHORIZED
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("returns:rma_list"))
    assert rma.number in listing.content.decode()
    detail = client.get(reverse("returns:rma_detail", args=[rma.pk])).content.decode()
    assert "Buy return label" in detail and rma.number in detail
    assert client.get(reverse("returns:rma_document", args=[rma.pk, "slip"])).content.startswith(b"%PDF")

    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    for _ in range(2):
        unit_grade(unit=unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor), grade_code="damaged",
                   actor=site.processor)
    client.post(reverse("returns:rma_action", args=[rma.pk, "resolve"]))
    rma.refresh_from_db()
    assert rma.status == RmaStatus.RESOLVED

    client.force_login(site.manager)
    built = client.post(reverse("returns:flush_build"), {"warehouse": site.warehouse.code, "disposition": "destroy",
                                                          "reason": "crushed"})
    assert built.status_code == 302
    from returns.models import FlushBatch

    batch = FlushBatch.objects.get()
    assert "another person approves" in client.get(reverse("returns:flush_detail", args=[batch.pk])).content.decode()
    client.post(reverse("returns:flush_action", args=[batch.pk, "approve"]))
    batch.refresh_from_db()
    assert batch.status == "draft"
    approver = UserFactory(role=roles.OPS_MANAGER)
    client.force_login(approver)
    client.post(reverse("returns:flush_action", args=[batch.pk, "approve"]))
    client.post(reverse("returns:flush_action", args=[batch.pk, "execute"]))
    batch.refresh_from_db()
    assert batch.status == "executed" and batch.value_written_off == 2 * shirt.unit_cost
    csv_text = b"".join(client.get(reverse("returns:flush_csv", args=[batch.pk])).streaming_content).decode()
    assert shirt.sku in csv_text and "9.00" in csv_text

    insight = client.get(reverse("returns:insight")).content.decode()
    assert shirt.sku in insight and "Defective" in insight and "100%" in insight
    navigation = client.get(reverse("returns:rma_list")).content.decode()
    assert reverse("returns:flush_list") in navigation and reverse("returns:insight") in navigation


def test_merchant_portal_sees_only_its_own_returns(client, site):
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 1)])
    rma = open_rma(site, order, [(shirt, 1)])
    client.force_login(merchant_user(MerchantFactory()))
    assert rma.number not in client.get(reverse("returns:rma_list")).content.decode()
    assert client.get(reverse("returns:rma_detail", args=[rma.pk])).status_code == 404
    assert client.get(reverse("returns:station_index")).status_code == 403
    client.force_login(merchant_user(site.merchant))
    assert rma.number in client.get(reverse("returns:rma_list")).content.decode()


def test_a_nul_byte_or_overlong_scan_at_the_returns_station_is_refused_and_the_next_scan_works(client, site):
    client.force_login(site.processor)
    for code in ("\x00", "RMA:\x00", "1Z" + "9" * 200):
        response = scan(client, site, code)
        assert response.status_code == 200
        assert 'data-scan-result="error"' in response.content.decode()
        assert "scan the label again" in response.content.decode()
    assert not ReturnParcel.objects.exists()
