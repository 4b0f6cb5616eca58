"""Billing pages, the merchant portal's invoices and the invoices API: staff enter rate cards and special projects,
generate and issue; a merchant sees only its own issued invoices, with PDF, CSV and each line's events."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.models import BillableEvent, ChargeKind, Invoice, RateCard
from billing.services.invoicing import invoice_generate, invoice_issue
from billing.services.recording import events_sweep
from core import roles
from tests.billing.factories import MONTH, billing_floor, card_for, the_known_month
from tests.factories import UserFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(roles_ready):
    client = Client()
    user = UserFactory(role=roles.OPS_MANAGER, is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_finance_enters_a_rate_card_generates_and_issues_an_invoice(finance):
    floor = billing_floor()
    form = {"merchant": "acme", "effective_from": "2026-11", "currency": "USD", "minimum_monthly": "150.00",
            **{f"rate_{kind}": str(price) for kind, price in {
                ChargeKind.ORDER_SHIPPED: "2.50", ChargeKind.PICK_FIRST_UNIT: "0.75",
                ChargeKind.PICK_ADDITIONAL_UNIT: "0.25", ChargeKind.CARTON_PACKED: "1.10"}.items()}}
    response = finance.post(reverse("billing:rate_card_create"), form, follow=True)
    assert response.status_code == 200, _messages(response)
    card = RateCard.objects.get(merchant=floor.merchant)
    assert card.created_by == finance.user and card.rates.count() == 4 and card.effective_to is None
    # the same months again are refused, with the reason, and nothing is added
    again = finance.post(reverse("billing:rate_card_create"), {**form, "effective_from": "2026-10"}, follow=True)
    assert any("already covers" in m for m in _messages(again)) and RateCard.objects.count() == 1

    the_known_month(floor)
    events_sweep()
    project = finance.post(reverse("billing:project_create"), {
        "merchant": "acme", "warehouse": floor.warehouse.code, "day": "2026-11-12", "description": "Relabel 40 units",
        "quantity": "40", "unit_price": "0.30"}, follow=True)
    assert project.status_code == 200
    assert BillableEvent.objects.get(kind=ChargeKind.SPECIAL_PROJECT).entered_by == finance.user

    response = finance.post(reverse("billing:invoice_generate"), {"merchant": "acme", "month": "2026-11"})
    invoice = Invoice.objects.get(merchant=floor.merchant)
    assert response.status_code == 302 and response.url == reverse("billing:invoice_detail", args=[invoice.pk])
    # 3 x 0.75 + 4 x 0.25 + 3 x 2.50 + 4 x 1.10 + 12.00 = 27.15; minimum 150.00
    assert (invoice.subtotal, invoice.total, invoice.status) == (Decimal("27.15"), Decimal("150.00"), "draft")
    page = finance.get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "INV-ACME-202611" in page and "150.00" in page and "Issue" in page

    line = invoice.lines.get(kind=ChargeKind.PICK_ADDITIONAL_UNIT)
    events = finance.get(reverse("billing:line_detail", args=[line.pk])).content.decode()
    assert "#1002" in events and "#1003" in events and "#1001" not in events

    finance.post(reverse("billing:invoice_issue", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == "issued" and invoice.issued_by == finance.user
    refused = finance.post(reverse("billing:invoice_generate"), {"merchant": "acme", "month": "2026-11"}, follow=True)
    assert any("never changes" in m for m in _messages(refused))

    pdf = finance.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "INV-ACME-202611" in finance.get(reverse("billing:invoice_list")).content.decode()


@pytest.mark.parametrize("field,value", [
    ("month", "2026-13"), ("month", "11/2026"), ("month", "2026-1\x00"), ("merchant", "nobody"), ("merchant", "a\x00"),
])
def test_bad_generate_input_is_refused_and_changes_nothing(finance, field, value):
    floor = billing_floor()
    card_for(floor.merchant)
    response = finance.post(reverse("billing:invoice_generate"), {"merchant": "acme", "month": "2026-11", field: value},
                            follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("changes", [
    {"effective_from": "2026-11-02"}, {"currency": "usd"}, {"minimum_monthly": "-1"}, {"minimum_monthly": "1.005"},
    {"rate_order_shipped": "-0.10"}, {"rate_order_shipped": "1e400"}, {"rate_order_shipped": "0.1\x00"},
    {"effective_to": "2026-10"}, {"merchant": "bloom\x00"},
])
def test_bad_rate_cards_are_refused_and_change_nothing(finance, changes):
    billing_floor()
    form = {"merchant": "acme", "effective_from": "2026-11", "currency": "USD", "minimum_monthly": "0",
            "rate_order_shipped": "2.50", **changes}
    response = finance.post(reverse("billing:rate_card_create"), form, follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not RateCard.objects.exists()


@pytest.mark.parametrize("changes", [
    {"quantity": "0"}, {"quantity": "-2"}, {"unit_price": "-1"}, {"description": ""}, {"description": "x" * 201},
    {"day": "2026-02-30"}, {"warehouse": "nowhere"}, {"description": "nul\x00"},
])
def test_bad_special_projects_are_refused_and_change_nothing(finance, changes):
    billing_floor()
    form = {"merchant": "acme", "day": "2026-11-12", "description": "Relabel", "quantity": "4", "unit_price": "0.3",
            **changes}
    response = finance.post(reverse("billing:project_create"), form, follow=True)
    assert response.status_code == 200 and _messages(response)
    assert not BillableEvent.objects.exists()


def test_a_bad_status_filter_is_a_400(finance):
    assert finance.get(reverse("billing:invoice_list"), {"status": "paid"}).status_code == 400
    assert finance.get(reverse("billing:invoice_list"), {"status": "draft\x00"}).status_code == 400


def _two_merchants_billed():
    floor = billing_floor()
    card_for(floor.merchant)
    card_for(floor.other, minimum="75.00")
    the_known_month(floor)
    events_sweep()
    mine = invoice_issue(invoice=invoice_generate(merchant=floor.merchant, month=MONTH, actor="f"), actor="f")
    theirs = invoice_issue(invoice=invoice_generate(merchant=floor.other, month=MONTH, actor="f"), actor="f")
    return floor, mine, theirs


def test_the_merchant_portal_shows_its_own_issued_invoices_only(roles_ready):
    floor, mine, theirs = _two_merchants_billed()
    december = invoice_generate(merchant=floor.merchant, month=MONTH.replace(month=12), actor="f")  # a draft
    client = Client()
    client.force_login(merchant_user(floor.merchant))
    listing = client.get(reverse("portal:invoice_list")).content.decode()
    assert mine.number in listing and theirs.number not in listing and december.number not in listing
    for name in ("portal:invoice_detail", "portal:invoice_pdf", "portal:invoice_csv"):
        assert client.get(reverse(name, args=[mine.pk])).status_code == 200
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.get(reverse(name, args=[december.pk])).status_code == 404
    line = mine.lines.get(kind=ChargeKind.PICK_FIRST_UNIT)
    events = client.get(reverse("portal:invoice_line", args=[line.pk])).content.decode()
    assert events.count("data-event=") == 3
    assert client.get(reverse("portal:invoice_line", args=[theirs.lines.first().pk])).status_code == 404

    body = b"".join(client.get(reverse("portal:invoice_csv", args=[mine.pk])).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    lines = {row["charge"]: row for row in rows if row["record"] == "line"}
    assert lines["pick_first_unit"]["amount"] == "2.25" and lines["minimum"]["amount"] == str(mine.total - mine.subtotal)
    linked = {int(row["billable_event"]) for row in rows if row["record"] == "event"}
    assert linked == set(BillableEvent.objects.filter(invoice_line__invoice=mine).values_list("pk", flat=True))
    assert [row["amount"] for row in rows if row["record"] == "total"] == [str(mine.total)]


def test_the_invoices_api_gives_a_merchant_token_its_own_issued_invoices(roles_ready):
    floor, mine, theirs = _two_merchants_billed()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=merchant_user(floor.merchant)).key}")
    listing = client.get("/api/v1/billing/invoices/").json()
    assert [row["number"] for row in listing["results"]] == [mine.number]
    detail = client.get(f"/api/v1/billing/invoices/{mine.pk}/").json()
    assert detail["total"] == "150.00" and detail["merchant"] == "acme"
    assert {line["kind"]: line["amount"] for line in detail["lines"]}["pick_additional_unit"] == "1.00"
    assert client.get(f"/api/v1/billing/invoices/{theirs.pk}/").status_code == 404
    staff = APIClient()
    staff.force_login(UserFactory(role=roles.OPS_MANAGER))
    assert staff.get("/api/v1/billing/invoices/").json()["count"] == 2
    floor_user = APIClient()
    floor_user.force_login(UserFactory(role=roles.PICKER))
    assert floor_user.get("/api/v1/billing/invoices/").status_code == 403
