"""An ops manager opens the dashboards in Chromium, sees the at-risk order the test created, follows the figure
to it, and watches the figures panel refresh through htmx (no page reload) when another order falls at risk."""

import datetime as dt

import pytest
from django.utils import timezone

from ops.services.alerts import sla_risks_escalate
from orders.models import FulfillmentOrder
from tests.browser import login
from tests.ops.factories import build_history
from tests.orders.factories import OrderFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def at_risk_order(history, number: str):
    now = timezone.now()
    order = OrderFactory(channel=history.channels[history.merchant.pk], order_number=number, status="in_progress",
                         ship_by=now + dt.timedelta(minutes=40))
    return FulfillmentOrder.objects.create(order=order, warehouse=history.warehouse, status="released",
                                           ship_by=order.ship_by)


def test_ops_manager_sees_the_order_at_risk_and_the_panel_refreshes(live_server, page, settings):
    settings.OPS_DASHBOARD_REFRESH_SECONDS = 1
    history = build_history(timezone.now())
    at_risk_order(history, "#RISK-1")
    history.manager.set_password("ops-pass-1")
    history.manager.save()

    login(page, live_server.url, history.manager.username, "ops-pass-1")
    page.goto(f"{live_server.url}/ops/sla/?warehouse={history.warehouse.code}&window=7d")
    figure = page.locator('[data-figure="at_risk"] .value')
    assert figure.inner_text() == "4"  # the three of the history and the test's own
    assert page.locator("svg.chart").count() >= 2

    page.evaluate("window.__sameDocument = true")
    stamp = page.locator("[data-refreshed-at]").get_attribute("data-refreshed-at")
    at_risk_order(history, "#RISK-2")
    page.wait_for_function("() => document.querySelector('[data-figure=\"at_risk\"] .value').textContent.trim() === '5'",
                           timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the panel; the page never reloaded
    assert page.locator("[data-refreshed-at]").get_attribute("data-refreshed-at") != stamp

    page.locator('[data-figure="at_risk"]').click()
    page.wait_for_url(lambda url: "/ops/fulfillments/" in url)
    assert page.locator('tr[data-order="#RISK-1"]').count() == 1
    assert page.locator('tr[data-order="#RISK-2"]').count() == 1

    sla_risks_escalate()
    page.goto(f"{live_server.url}/ops/capacity/?warehouse={history.warehouse.code}")
    assert page.locator('tr.over[data-warehouse="ewr"]').count() == 1
    page.wait_for_selector("[data-unread]", timeout=10_000)
    assert int(page.locator("[data-unread]").inner_text()) == 6  # five here and one at the other facility
    page.goto(f"{live_server.url}/ops/notifications/")
    assert page.get_by_text("Order #RISK-1 at ewr may miss its ship-by").count() == 1
