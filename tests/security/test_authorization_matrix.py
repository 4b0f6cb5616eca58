"""Every URL against every principal: each staff role, a merchant user, a merchant API token and an anonymous
visitor get exactly the allow or deny that the URL's declared rule gives.

The rule of a URL comes from one place: its view's area declaration (`area_required` for pages,
`area_permission` for the API, decided by the role table in core.roles), or, for a view that declares no area,
its entry in core.access.URL_RULES. A URL with neither fails `test_every_url_declares_who_may_use_it`.

A request is allowed when it gets past authorization (any answer but a login redirect, 401 or 403: a 404 for
the placeholder ids, a 400 for an empty form, a 405 are all answers of a view that let the caller in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.permissions import OperandHolder

from core import roles
from core.access import ADMIN_SITE, PUBLIC, SIGNED_IN, SIGNED_REQUEST, URL_RULES
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.orders.factories import ChannelFactory

pytestmark = pytest.mark.django_db

MERCHANT_USER = "merchant_user"
MERCHANT_TOKEN = "merchant_token"
ANONYMOUS = "anonymous"
PRINCIPALS = (*roles.STAFF_ROLES, MERCHANT_USER, MERCHANT_TOKEN, ANONYMOUS)

# Placeholder values for URL parameters: ids that do not exist, so an allowed request ends in 404 and changes
# nothing; words a view accepts where it dispatches on them.
SAMPLES = {"fmt": "pdf", "action": "cancel", "document": "label", "kind": "shopify", "app_label": "inventory"}
CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Url:
    name: str  # namespaced URL name, e.g. "warehouse:pick_station"
    route: str  # the concrete path requested
    callback: object


def _sample(name: str, conv: str | None) -> str:
    if name in SAMPLES:
        return SAMPLES[name]
    return "999999" if conv in ("int", "path", None) and name.endswith(("pk", "id")) else "nope"


def _concrete(route: str) -> str:
    route = CONVERTER.sub(lambda m: _sample(m["name"], m["conv"]), route)
    route = REGEX_GROUP.sub(lambda m: _sample(m["name"], None), route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


def all_urls() -> list[Url]:
    found: list[Url] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else f"{namespace}<{entry.pattern}>"
                found.append(Url(name, _concrete(prefix + str(entry.pattern)), entry.callback))

    walk(get_resolver(), "", "")
    return found


def matrix_urls() -> list[Url]:
    """Every URL, except that of each model's admin pages only the list is requested: Django checks the same
    model permission on its add, change, delete and history pages (the requests would triple the run)."""
    return [url for url in all_urls() if not re.search(r"^admin:\w+_(add|change|delete|history)$", url.name)
            or url.name.endswith("password_change")]


# --- the declared rule of a URL -----------------------------------------------------------------------------


def _areas_of_permission(permission, *, safe: bool) -> list[str] | None:
    """Areas whose roles an `area_permission` (or an OR of them) lets in; None when it declares none."""
    if isinstance(permission, OperandHolder):
        left = _areas_of_permission(permission.op1_class, safe=safe)
        right = _areas_of_permission(permission.op2_class, safe=safe)
        if left is None or right is None or permission.operator_class.__name__ != "OR":
            return None
        return left + right
    area = getattr(permission, "area", None)
    if area is None:
        return None
    return [(permission.safe_area or area) if safe else area]


def declared_rule(url: Url, *, safe: bool) -> tuple[str, list[str]] | None:
    """("area", [areas]) from the view's declaration, or (rule, []) from URL_RULES, or None."""
    for key in (url.name, url.name.split(":")[0] + ":*"):
        if key in URL_RULES:
            return URL_RULES[key], []
    area = getattr(url.callback, "access_area", None)
    if area is not None:
        return "area", [area]
    view_class = getattr(url.callback, "cls", None)
    if view_class is not None:
        permissions = view_class.permission_classes
        if len(permissions) == 1:
            areas = _areas_of_permission(permissions[0], safe=safe)
            if areas is not None:
                return "area", areas
    return None


def _admin_permission_needed(url: Url) -> list[str] | None:
    """The model permissions an admin page needs (any of them), or None for the site's own pages."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if url.name.startswith(prefix):
            page = url.name[len(prefix):]
            if page == "history":  # Django looks the object up before checking: an unknown id says nothing
                return None
            app = model._meta.app_label
            codes = {"changelist": ("view", "change"), "change": ("view", "change"), "history": ("view", "change"),
                     "add": ("add",), "delete": ("delete",), "password_change": ("change",)}[page]
            return [f"{app}.{code}_{model._meta.model_name}" for code in codes]
    return None


def expected_allowed(url: Url, principal: str, user, *, safe: bool) -> bool | None:
    """True/False from the declared rule; None where no principal is let in by identity (signed requests)."""
    rule, areas = declared_rule(url, safe=safe)  # type: ignore[misc]
    is_api = url.route.startswith("/api/")
    # A token authenticates API requests only; on a page it is an anonymous visitor.
    signed_in = principal != ANONYMOUS and (principal != MERCHANT_TOKEN or is_api)
    if rule == PUBLIC:
        return True
    if rule == SIGNED_REQUEST:
        return None
    if not signed_in:
        return False
    if rule == SIGNED_IN:
        return True
    if rule == ADMIN_SITE:
        if not user.is_staff or principal == MERCHANT_TOKEN or url.name == "admin:autocomplete":
            return False  # an autocomplete request without its query parameters is refused to everyone
        needed = _admin_permission_needed(url)
        return needed is None or any(user.has_perm(permission) for permission in needed)
    user_roles = {roles.MERCHANT} if principal in (MERCHANT_USER, MERCHANT_TOKEN) else {principal}
    # An admin has every area but those for merchant users only (the portal).
    return any((roles.ADMIN in user_roles and area not in roles.MERCHANT_ONLY_AREAS) or user_roles & roles.AREAS[area]
               for area in areas)


# --- what actually happens ----------------------------------------------------------------------------------


def _denied(response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    return location.startswith(("/login/?next=", "/admin/login/?next="))


def _request(client: Client, url: Url, headers: dict) -> tuple[str, object]:
    """GET the URL; a view that only takes POST is POSTed an empty body instead."""
    response = client.get(url.route, headers=headers)
    if response.status_code == 405:
        return "POST", client.post(url.route, data={}, headers=headers)
    return "GET", response


@pytest.fixture
def principal_client(roles_ready):
    def make(principal: str):
        client = Client()
        headers: dict[str, str] = {}
        user = None
        if principal in roles.STAFF_ROLES:
            user = UserFactory(role=principal, is_staff=True)
            client.force_login(user)
        elif principal == MERCHANT_USER:
            user = merchant_user(MerchantFactory())
            client.force_login(user)
        elif principal == MERCHANT_TOKEN:
            user = merchant_user(MerchantFactory())
            headers["Authorization"] = f"Token {Token.objects.create(user=user).key}"
        return client, headers, user

    return make


def test_every_url_declares_who_may_use_it():
    undeclared = [url.name for url in all_urls() if declared_rule(url, safe=True) is None]
    assert undeclared == [], f"declare an area on these views or add them to core.access.URL_RULES: {undeclared}"


def test_the_matrix_covers_pages_api_and_admin():
    routes = [url.route for url in all_urls()]
    assert len(routes) > 140
    assert any(r.startswith("/api/v1/") for r in routes) and any(r.startswith("/warehouse/") for r in routes)
    assert any(r.startswith("/admin/inventory/") for r in routes)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_each_principal_gets_exactly_what_the_rules_declare(principal_client, principal):
    channel = ChannelFactory(kind="shopify", store_identity="acme.myshopify.com")
    client, headers, user = principal_client(principal)
    wrong = []
    for url in matrix_urls():
        if "webhook" in url.name:
            route = url.route.replace("999999", str(channel.pk))
            method, response = "POST", client.post(route, data='{"id": 1}', content_type="application/json",
                                                   headers=headers)
        else:
            method, response = _request(client, url, headers)
        if user is not None and url.name.endswith("logout") and principal != MERCHANT_TOKEN:
            client.force_login(user)
        expected = expected_allowed(url, principal, user, safe=method == "GET")
        if expected is None:  # a signed request: nobody gets in by who they are
            if response.status_code != 401:
                wrong.append(f"{method} {url.route} ({url.name}): unsigned answered {response.status_code}")
            continue
        if _denied(response) == expected:
            verdict = "allowed" if expected is False else "refused"
            wrong.append(f"{method} {url.route} ({url.name}): {verdict}, status {response.status_code}")
    assert wrong == [], f"{principal}:\n" + "\n".join(wrong)
