"""The office shell: a menu grouped by area, built from NAVIGATION; styled 403, 404 and 500 pages with a way
back, the 500 page rendered without touching the database."""

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from core import roles
from core.access import GROUP_OF, NAV_GROUPS, NAVIGATION, NavItem, nav_group, navigation_groups_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_page_in_the_navigation_belongs_to_a_named_area():
    for item in NAVIGATION:
        assert nav_group(item) in NAV_GROUPS[:-1], f"{item.url_name} has no area: add it to GROUP_OF or give it a group"
    assert set(GROUP_OF.values()) <= set(NAV_GROUPS)


def test_a_new_entry_names_its_area_or_lands_under_more():
    assert nav_group(NavItem("SLA", "ops:sla", "dashboards", group="Reports")) == "Reports"
    assert nav_group(NavItem("Someday", "x:y", "dashboards")) == "More"
    assert nav_group(NavItem("Typo", "x:y", "dashboards", group="Reprots")) == "More"


def test_the_menu_shows_the_users_areas_in_order(roles_ready):
    admin = UserFactory(role=roles.ADMIN)
    groups = [group["label"] for group in navigation_groups_for(admin)]
    assert groups == [g for g in NAV_GROUPS if g in groups]
    assert {"Orders", "Inbound", "Outbound", "Inventory", "Returns", "Reports", "Admin"} <= set(groups)
    picker = UserFactory(role=roles.PICKER)
    assert [group["label"] for group in navigation_groups_for(picker)] == ["Outbound"]

    client = Client()
    client.force_login(admin)
    page = client.get("/orders/").content.decode()
    assert "data-menu" in page and 'data-nav-group="Inbound"' in page and 'data-nav-group="Returns"' in page


def test_the_404_page_is_styled_and_leads_back(roles_ready):
    client = Client()
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    response = client.get("/orders/99999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'data-error="404"' in body and "Back" in body and 'href="/"' in body and "data-menu" in body


def test_the_403_page_says_why_and_leads_back(roles_ready):
    client = Client()
    client.force_login(UserFactory(role=roles.PICKER))
    response = client.get("/orders/")
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-error="403"' in body and "not for your role" in body and "Back" in body


def test_the_500_page_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/orders/")
    with django_assert_num_queries(0):
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500 and 'data-error="500"' in body and "Back" in body and 'href="/"' in body
