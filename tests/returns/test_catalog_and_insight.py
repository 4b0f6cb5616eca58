"""Merchants add their own reason codes and grades (over REST), and both are used end to end; the returns
insight reports received-to-graded time per facility and merchant, and return rate and top reasons per SKU."""

import datetime as dt

import pytest
from django.utils import timezone

from core import roles
from returns.models import Grade, ReasonCode, ReturnUnit
from returns.selectors import returns_insight
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_receive, unit_receive
from returns.services.rmas import rma_cancel
from returns.services.setup import returns_bins
from returns.services.station import return_station_scan
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.returns.factories import build_return_site, open_rma, shipped_order

pytestmark = pytest.mark.django_db


def test_a_merchant_adds_a_reason_and_a_grade_over_rest_and_both_work_at_the_bench(api_client, roles_ready):
    site = build_return_site(products=1)
    shirt = site.products[0]
    owner = merchant_user(site.merchant)
    api_client.force_authenticate(owner)
    assert api_client.post("/api/v1/returns/reasons/", {"code": "too_itchy", "label": "Too itchy"}, format="json").status_code == 201
    again = api_client.post("/api/v1/returns/reasons/", {"code": "too_itchy", "label": "Still itchy"}, format="json")
    assert again.status_code == 400 and "already exists" in again.json()["detail"]
    made = api_client.post("/api/v1/returns/grades/", {"code": "open_box", "label": "Open box", "sellable": True,
                                                        "disposition": "refurbish"}, format="json")
    assert made.status_code == 201 and made.json()["merchant"] == site.merchant.code, made.content
    for bad in ({"code": "open_box", "label": "Again", "sellable": True, "disposition": "refurbish"},
                {"code": "scrap", "label": "Scrap", "sellable": False, "disposition": "restock"},
                {"code": "odd", "label": "Odd", "sellable": True, "disposition": "sell_on_ebay"},
                {"code": "bad code!", "label": "Bad", "sellable": True, "disposition": "donate"}):
        assert api_client.post("/api/v1/returns/grades/", bad, format="json").status_code == 400, bad
    assert Grade.objects.filter(merchant=site.merchant).count() == 1
    assert ReasonCode.objects.filter(merchant=site.merchant).count() == 1
    codes = [g["code"] for g in api_client.get("/api/v1/returns/grades/").json()]
    assert "open_box" in codes and {"like_new", "good", "damaged"} <= set(codes)
    api_client.force_authenticate(merchant_user(MerchantFactory()))
    assert "open_box" not in [g["code"] for g in api_client.get("/api/v1/returns/grades/").json()]

    order = shipped_order(site, [(shirt, 1)])
    api_client.force_authenticate(owner)
    rma = api_client.post("/api/v1/returns/rmas/", {"order_id": order.pk, "resolution": "refund", "lines": [
        {"sku": shirt.sku, "qty": 1, "reason": "too_itchy"}]}, format="json")
    assert rma.status_code == 201, rma.content
    state = None
    for scan in (rma.json()["code"], shirt.sku, "CMD:GRADE:open_box"):
        reply = return_station_scan(warehouse=site.warehouse, state=state, raw=scan, actor=site.processor)
        assert reply.ok, reply.message
        state = reply.data["state"]
    assert reply.message.startswith("Open box: Refurbish to RET-HOLD")
    reply = return_station_scan(warehouse=site.warehouse, state=state, raw="", actor=site.processor)
    unit = ReturnUnit.objects.get()
    assert (unit.grade.code, unit.disposition, unit.to_bin) == ("open_box", "refurbish", returns_bins(site.warehouse).holding)
    insight = returns_insight()
    assert insight["skus"][0]["top_reasons"] == [{"reason": "Too itchy", "units": 1}]


def test_insight_reports_grading_time_per_facility_and_merchant_and_return_rate_and_reasons_per_sku(api_client, roles_ready):
    site, other = build_return_site(products=2), build_return_site(products=1)
    shirt, mug = site.products
    order = shipped_order(site, [(shirt, 4), (mug, 2)])
    first = open_rma(site, order, [(shirt, 2)], reason="defective")
    second = open_rma(site, order, [(shirt, 1)], reason="wrong_size")
    rma_cancel(rma=open_rma(site, order, [(mug, 1)], reason="changed_mind"), actor=site.agent, reason="customer kept it")
    elsewhere = open_rma(other, shipped_order(other, [(other.products[0], 1)]), [(other.products[0], 1)])

    start = timezone.now() - dt.timedelta(days=2)
    for rma, ours, hours in ((first, site, [2, 4]), (second, site, [6]), (elsewhere, other, [1])):
        parcel = parcel_receive(warehouse=ours.warehouse, raw=rma.code, actor=ours.processor)
        for h in hours:
            sku = rma.lines.get().product.sku
            unit = unit_grade(unit=unit_receive(parcel=parcel, raw=sku, actor=ours.processor), grade_code="good",
                              actor=ours.processor)
            ReturnUnit.objects.filter(pk=unit.pk).update(received_at=start, graded_at=start + dt.timedelta(hours=h))

    insight = returns_insight()
    assert insight["grading"] == sorted([
        {"warehouse": site.warehouse.code, "merchant": site.merchant.name, "units": 3, "avg_hours": 4.0},
        {"warehouse": other.warehouse.code, "merchant": other.merchant.name, "units": 1, "avg_hours": 1.0},
    ], key=lambda row: (row["warehouse"], row["merchant"]))
    by_sku = {row["sku"]: row for row in insight["skus"]}
    assert set(by_sku) == {shirt.sku, other.products[0].sku}  # the mug's only return was cancelled
    assert (by_sku[shirt.sku]["returned"], by_sku[shirt.sku]["shipped"], by_sku[shirt.sku]["return_rate"]) == (3, 4, 0.75)
    assert by_sku[shirt.sku]["top_reasons"] == [{"reason": "Defective / does not work", "units": 2},
                                                {"reason": "Wrong size", "units": 1}]
    assert by_sku[other.products[0].sku]["return_rate"] == 1.0
    assert [row["sku"] for row in insight["skus"]] == [other.products[0].sku, shirt.sku]  # highest rate first
    mine = returns_insight(merchant=site.merchant)
    assert [row["merchant"] for row in mine["grading"]] == [site.merchant.name] and len(mine["skus"]) == 1

    api_client.force_authenticate(UserFactory(role=roles.OPS_MANAGER))
    answer = api_client.get("/api/v1/returns/insight/")
    assert answer.status_code == 200
    assert answer.json()["grading"] == insight["grading"] and answer.json()["skus"] == insight["skus"]
    api_client.force_authenticate(site.processor)
    assert api_client.get("/api/v1/returns/insight/").status_code == 403
