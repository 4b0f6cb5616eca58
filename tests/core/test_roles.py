"""Every staff page requires login and the right role; the navigation shows only what the role may use."""

import pytest
from django.urls import reverse

from core import roles
from core.access import NAVIGATION
from core.roles import AREAS
from tests.factories import MerchantFactory, UserFactory, WarehouseFactory, merchant_user

pytestmark = pytest.mark.django_db


def pages():
    """(url name, area) of every page in the navigation."""
    return [(item.url_name, item.area) for item in NAVIGATION]


@pytest.mark.parametrize("url_name,area", pages())
def test_anonymous_users_are_sent_to_login(client, url_name, area):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", roles.STAFF_ROLES)
@pytest.mark.parametrize("url_name,area", pages())
def test_each_role_gets_exactly_the_pages_of_its_areas(client, roles_ready, role, url_name, area):
    WarehouseFactory()
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(url_name))
    allowed = (role == roles.ADMIN and area not in roles.MERCHANT_ONLY_AREAS) or role in AREAS[area]
    assert response.status_code == (200 if allowed else 403), (role, url_name)


@pytest.mark.parametrize("role", roles.STAFF_ROLES)
def test_navigation_lists_only_usable_pages(client, roles_ready, role):
    client.force_login(UserFactory(role=role))
    html = client.get(reverse("home")).content.decode()
    for item in NAVIGATION:
        url = reverse(item.url_name)
        allowed = (role == roles.ADMIN and item.area not in roles.MERCHANT_ONLY_AREAS) or role in AREAS[item.area]
        assert (f'href="{url}"' in html) == allowed, (role, item.label)


def test_merchant_user_lands_on_the_portal_and_is_refused_staff_pages(client, roles_ready):
    merchant = MerchantFactory(name="Acme Outdoor")
    client.force_login(merchant_user(merchant))
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home.url == reverse("portal:home")
    assert "Acme Outdoor" in client.get(reverse("portal:home")).content.decode()
    assert client.get(reverse("warehouse:warehouse_list")).status_code == 403


def test_a_user_without_a_role_may_log_in_but_use_nothing(client, roles_ready):
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200
    for url_name, _ in pages():
        assert client.get(reverse(url_name)).status_code == 403


def test_login_and_logout_pages(client, roles_ready):
    UserFactory(username="pat", role=roles.PICKER)
    assert client.get(reverse("login")).status_code == 200
    bad = client.post(reverse("login"), {"username": "pat", "password": "wrong"})
    assert "did not match" in bad.content.decode()
    good = client.post(reverse("login"), {"username": "pat", "password": "pw-123456"})
    assert good.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
