"""The dashboards, the lists behind their figures and the CSV exports: who may see them, what they show,
bounded query counts (no query per row), refusals of bad filters."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from core import roles
from tests.factories import UserFactory
from tests.ops.factories import build_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return build_history(timezone.now())


@pytest.fixture
def manager_client(client, history):
    client.force_login(history.manager)
    return client


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize("page", ["sla", "capacity", "accuracy"])
@pytest.mark.parametrize("query", ["", "?warehouse=ewr&window=today", "?warehouse=ewr&merchant=acme&window=30d"])
def test_each_dashboard_renders_in_bounded_queries(manager_client, django_assert_max_num_queries, page, query):
    with django_assert_max_num_queries(22):
        response = manager_client.get(reverse(f"ops:{page}") + query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and 'hx-trigger="every' in body and "cdn" not in body.lower()


def test_query_count_does_not_grow_with_rows(manager_client, history, django_assert_max_num_queries):
    """Twice the facilities, merchants, orders, pickers and notifications: not one more query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = [reverse(f"ops:{page}") for page in ("sla", "capacity", "accuracy")] + [
        reverse("ops:fulfillments") + "?kpi=shipped&window=30d", reverse("ops:export", args=["fulfillments"]) + "?kpi=shipped&window=30d",
        reverse("ops:export", args=["facilities"]), reverse("ops:export", args=["pickers"]) + "?window=30d"]
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = manager_client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        counts[url] = len(queries)
    build_history(timezone.now(), tag="-2")
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            response = manager_client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200


def test_sla_page_shows_the_figures_and_links_them(manager_client, history):
    body = manager_client.get(reverse("ops:sla") + "?warehouse=ewr").content.decode()
    assert 'data-figure="at_risk"><span class="value">3</span>' in body
    assert reverse("ops:fulfillments") + "?window=7d&amp;warehouse=ewr&amp;kpi=at_risk" in body
    assert reverse("warehouse:discrepancy_queue") in body and reverse("orders:inbox") in body


def test_htmx_poll_answers_the_panel_only(manager_client, history):
    response = manager_client.get(reverse("ops:sla") + "?warehouse=ewr", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'data-figure="at_risk"' in body
    assert "data-refreshed-at" in body


def test_capacity_flags_the_full_facility_and_its_zone(manager_client, history):
    body = manager_client.get(reverse("ops:capacity") + "?warehouse=ewr").content.decode()
    assert 'class="over" data-warehouse="ewr"' in body and "over 80%" in body
    assert "Not enough room." in body


def test_at_risk_list_names_the_orders(manager_client, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = manager_client.get(reverse("ops:fulfillments") + "?kpi=at_risk&warehouse=ewr")
    body = response.content.decode()
    for name in ("released_soon", "picking_overdue", "globex_picking"):
        assert f'data-order="{history.fulfillments[name].order.order_number}"' in body
    assert f'data-order="{history.fulfillments["packed_soon"].order.order_number}"' not in body


@pytest.mark.parametrize("kpi", ["due_today", "at_risk", "shipped", "late", "queue_released", "queue_in_wave",
                                 "queue_picking", "queue_packed"])
def test_every_list_in_bounded_queries(manager_client, history, django_assert_max_num_queries, kpi):
    with django_assert_max_num_queries(10):
        assert manager_client.get(reverse("ops:fulfillments") + f"?kpi={kpi}&window=30d").status_code == 200


@pytest.mark.parametrize("table", ["fulfillments", "order_to_ship", "discrepancy_ages", "facilities", "zones",
                                   "queues", "pickers", "throughput"])
def test_every_table_exports_as_streamed_csv(manager_client, history, django_assert_max_num_queries, table):
    with django_assert_max_num_queries(12):
        response = manager_client.get(reverse("ops:export", args=[table]) + "?warehouse=ewr&window=30d&kpi=at_risk")
        rows = _csv(response)
    assert response.status_code == 200 and response.streaming and response["Content-Type"].startswith("text/csv")
    assert len(rows) >= 2 and all(len(row) == len(rows[0]) for row in rows)


def test_csv_contents(manager_client, history):
    rows = _csv(manager_client.get(reverse("ops:export", args=["fulfillments"]) + "?warehouse=ewr&kpi=at_risk"))
    assert rows[0][:3] == ["order", "merchant", "warehouse"] and len(rows) == 4
    queues = dict(_csv(manager_client.get(reverse("ops:export", args=["queues"]) + "?warehouse=ewr"))[1:])
    assert queues == {"released": "1", "in_wave": "1", "picking": "2", "packed": "1", "awaiting_manifest": "1"}
    pickers = _csv(manager_client.get(reverse("ops:export", args=["pickers"]) + "?warehouse=ewr&window=30d"))
    assert [row[0] for row in pickers[1:]] == ["carl", "bob", "ann"]


def test_a_formula_in_a_cell_is_quoted(manager_client, history):
    history.fulfillments["released_soon"].order.__class__.objects.filter(
        pk=history.fulfillments["released_soon"].order_id).update(order_number="=HYPERLINK(1)")
    rows = _csv(manager_client.get(reverse("ops:export", args=["fulfillments"]) + "?warehouse=ewr&kpi=at_risk"))
    assert "'=HYPERLINK(1)" in [row[0] for row in rows]


@pytest.mark.parametrize("query", ["?warehouse=nowhere", "?window=3d", "?merchant=%00", "?kpi=everything",
                                   "?window=" + "x" * 5000])
def test_bad_filters_answer_400_with_a_reason(manager_client, history, query):
    for url in (reverse("ops:sla"), reverse("ops:fulfillments"), reverse("ops:export", args=["queues"])):
        response = manager_client.get(url + query)
        if "kpi" in query and url != reverse("ops:fulfillments"):
            continue
        assert response.status_code == 400, (url, query)
        assert response.content


def test_unknown_table_and_zones_without_a_facility_are_refused(manager_client, history):
    assert manager_client.get(reverse("ops:export", args=["secrets"])).status_code == 400
    response = manager_client.get(reverse("ops:export", args=["zones"]))
    assert response.status_code == 400 and b"choose a facility" in response.content


@pytest.mark.parametrize("role", [roles.PICKER, roles.MERCHANT, roles.CUSTOMER_SERVICE])
def test_other_roles_may_not_see_dashboards(client, history, role):
    client.force_login(UserFactory(role=role))
    for url in (reverse("ops:sla"), reverse("ops:capacity"), reverse("ops:accuracy"), reverse("ops:fulfillments"),
                reverse("ops:export", args=["queues"])):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("ops:sla"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_navigation_lists_the_dashboards_for_managers(manager_client, history):
    body = manager_client.get(reverse("home")).content.decode()
    for name in ("ops:sla", "ops:capacity", "ops:accuracy"):
        assert f'href="{reverse(name)}"' in body
