"""The audit log page: ops managers and admins only, newest first, filtered, paginated, as a streamed CSV of
the same rows, bad filters answer 400, and the page costs the same queries whatever the number of entries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.audit import audit_record
from core.models import AuditAction
from inventory.models import StaffScope
from tests.factories import MerchantFactory, UserFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(roles_ready):
    """Entries of two merchants and two warehouses; the role-group entries made by the fixtures come before."""
    acme, bolt = MerchantFactory(code="acme", name="Acme"), MerchantFactory(code="bolt", name="Bolt")
    east, west = WarehouseFactory(code="east"), WarehouseFactory(code="west")
    clerk = UserFactory(username="clerk")
    rows = {
        "adjust": audit_record(action=AuditAction.STOCK_ADJUSTED, actor=clerk, object_type="inventory.product",
                               object_id=11, object_label="SKU-11 in A-1", merchant_id=acme.pk, warehouse_id=east.pk,
                               details={"delta": -2}),
        "hold": audit_record(action=AuditAction.HOLD_PLACED, actor="beat", object_type="orders.order", object_id=7,
                             object_label="#1007", merchant_id=bolt.pk, warehouse_id=west.pk),
        "rotate": audit_record(action=AuditAction.SECRET_ROTATED, actor=clerk, object_type="orders.channel",
                               object_id=3, object_label="=HYPERLINK(1)", merchant_id=acme.pk, warehouse_id=west.pk),
    }
    return {"acme": acme, "bolt": bolt, "east": east, "west": west, "clerk": clerk, **rows}


@pytest.fixture
def manager_client(client, roles_ready):
    client.force_login(UserFactory(role=roles.OPS_MANAGER))
    return client


def shown(response) -> list[str]:
    html = response.content.decode()
    return [chunk.split('"', 1)[0] for chunk in html.split('data-entry="')[1:]]


@pytest.mark.parametrize("role", [r for r in roles.STAFF_ROLES if r not in (roles.OPS_MANAGER, roles.ADMIN)])
def test_only_ops_managers_and_admins_see_the_audit_log(client, roles_ready, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("ops:audit")).status_code == 403
    assert client.get(reverse("ops:audit_export")).status_code == 403


def test_admins_see_it_and_it_is_in_the_ops_navigation(client, roles_ready, log):
    client.force_login(UserFactory(role=roles.ADMIN))
    assert client.get(reverse("ops:audit")).status_code == 200
    assert f'href="{reverse("ops:audit")}"' in client.get(reverse("home")).content.decode()


def test_entries_are_listed_newest_first(manager_client, log):
    ids = shown(manager_client.get(reverse("ops:audit"), {"actor": ""}))
    assert ids[:3] == [str(log["rotate"].pk), str(log["hold"].pk), str(log["adjust"].pk)]


@pytest.mark.parametrize("params,expected", [
    ({"action": "hold_placed"}, ["hold"]),
    ({"actor": "CLER"}, ["rotate", "adjust"]),
    ({"object": "#1007"}, ["hold"]),
    ({"object": "11"}, ["adjust"]),
    ({"object_type": "orders.channel"}, ["rotate"]),
    ({"merchant": "acme"}, ["rotate", "adjust"]),
    ({"warehouse": "west"}, ["rotate", "hold"]),
    ({"merchant": "acme", "warehouse": "west"}, ["rotate"]),
])
def test_filters_narrow_the_list(manager_client, log, params, expected):
    assert shown(manager_client.get(reverse("ops:audit"), params)) == [str(log[k].pk) for k in expected]


def test_the_date_range_is_inclusive_of_both_days(manager_client, log):
    today = timezone.localdate()
    ids = shown(manager_client.get(reverse("ops:audit"), {"date_from": today, "date_to": today, "actor": "clerk"}))
    assert len(ids) == 2
    tomorrow = today + dt.timedelta(days=1)
    assert shown(manager_client.get(reverse("ops:audit"), {"date_from": tomorrow})) == []
    assert shown(manager_client.get(reverse("ops:audit"), {"date_to": today - dt.timedelta(days=1)})) == []


@pytest.mark.parametrize("params", [
    {"actor": "cl\x00erk"}, {"object": "\x00"}, {"object_type": "x\x00"}, {"action": "hold\x00"},
    {"merchant": "acme\x00"}, {"warehouse": "\x00"}, {"date_from": "2026-01-01\x00"}, {"action": "stolen"},
    {"merchant": "nobody"}, {"date_from": "yesterday"}, {"date_from": "2026-02-01", "date_to": "2026-01-01"},
    {"actor": "x" * 151},
])
def test_bad_filters_answer_400_with_a_reason_on_page_and_export(manager_client, log, params):
    for name in ("ops:audit", "ops:audit_export"):
        response = manager_client.get(reverse(name), params)
        assert response.status_code == 400 and b"Bad filter" in response.content, (name, params)


def test_the_list_is_paginated(manager_client, log):
    for n in range(55):
        audit_record(action=AuditAction.ROLE_CHANGED, actor="beat", object_type="auth.user", object_id=n)
    first = manager_client.get(reverse("ops:audit"), {"action": "role_changed", "actor": "beat"})
    second = manager_client.get(reverse("ops:audit"), {"action": "role_changed", "actor": "beat", "page": 2})
    assert len(shown(first)) == 50 and len(shown(second)) == 5
    assert "page=2" in first.content.decode() and "action=role_changed" in first.content.decode()


def test_the_csv_streams_the_filtered_rows_with_formulas_quoted(manager_client, log):
    response = manager_client.get(reverse("ops:audit_export"), {"merchant": "acme"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "actor", "action", "object_type", "object_id", "object", "merchant", "warehouse",
                       "details"]
    assert [(r[1], r[2], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("clerk", "secret_rotated", "'=HYPERLINK(1)", "acme", "west"),
        ("clerk", "stock_adjusted", "SKU-11 in A-1", "acme", "east"),
    ]
    assert rows[2][8] == "{'delta': -2}"


def test_a_scoped_user_sees_only_entries_of_their_merchants(client, log):
    user = UserFactory(role=roles.OPS_MANAGER)
    StaffScope.objects.create(user=user).merchants.add(log["bolt"])
    client.force_login(user)
    assert shown(client.get(reverse("ops:audit"))) == [str(log["hold"].pk)]
    assert client.get(reverse("ops:audit"), {"merchant": "acme"}).status_code == 400  # not theirs to choose


def test_the_page_costs_the_same_queries_with_more_entries(manager_client, log):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(reverse("ops:audit")).status_code == 200
        return len(captured)

    few = count()
    for n in range(30):
        audit_record(action=AuditAction.STOCK_ADJUSTED, actor=log["clerk"], object_type="inventory.product",
                     object_id=n, merchant_id=log["bolt"].pk, warehouse_id=log["east"].pk)
    assert count() == few
