"""No office page or form answers 500, whatever is typed or uploaded into it.

The pages are enumerated from the URL conf (everything but the REST API, the admin, storefront webhooks and
the scan stations' submits, which have their own fuzzing), so a page added later is covered without touching
this file. For each page, the field names come from the view's own source (`request.POST.get("…")`,
`request.GET.get("…")`, `request.FILES…`) and from the forms its GET renders; hypothesis then sends arbitrary
text (control bytes, NUL, huge, non-Latin), numbers beyond any column, dates that are not dates and files in
any encoding, by GET and by POST, to real objects and to ids that do not exist. Every answer is 2xx, 3xx or
4xx."""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import roles
from tests.factories import UserFactory

EXCLUDED_PREFIXES = ("api/", "admin/", "webhooks/", "login/", "logout/", "healthz", "static/", "__")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace or namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name or ""
            yield prefix + str(pattern.pattern), name, pattern.callback


def office_pages():
    pages = []
    for route, name, callback in _walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES) or route.rstrip("/").endswith("/scan") or route.startswith("^"):
            continue
        pages.append((route, name, callback))
    return pages


PAGES = office_pages()
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _source(callback) -> str:
    view = inspect.unwrap(callback)
    try:
        return inspect.getsource(inspect.getmodule(view))
    except (OSError, TypeError):
        return ""


def _function_source(callback) -> str:
    try:
        return inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return ""


def field_names(callback, method: str) -> set[str]:
    source = _function_source(callback)
    found = set(re.findall(rf'request\.{method}(?:\.get(?:list)?\(|\[)\s*["\'](\w+)["\']', source))
    found |= set(re.findall(r'_\w+\(request\.POST,\s*["\'](\w+)["\']', source)) if method == "POST" else set()
    if method == "POST" and re.search(r"\bform\s*=\s*request\.POST\b", source):
        found |= set(re.findall(r'form\.get\(\s*["\'](\w+)["\']', source))
    return found


def literal_words(callback) -> list[str]:
    """Words the view compares input with (actions, kinds): fuzzing reaches past the first `if`."""
    words = re.findall(r'["\']([a-z][a-z0-9_-]{1,30})["\']', _function_source(callback) + _source(callback))
    return sorted(set(words))[:80]


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: set[str] = set()
        self.files: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("name") and attributes.get("name") != "csrfmiddlewaretoken":
            (self.files if attributes.get("type") == "file" else self.fields).add(attributes["name"])


NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\x1b[31m", "\ud7ff", "🙂" * 3, "x" * 5000, "A" * 300, "-1", "0",
                     "2147483648", "99999999999999999999", "1e309", "NaN", "-0", "1.5", "2026-02-30", "31/12/2026",
                     "0000-00-00", "<script>alert(1)</script>", "'; DROP TABLE x; --", "%00", "../../etc/passwd",
                     "US", "USA", "XX", "standard", "batch", "#1001"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def _file_bytes():
    rows = st.lists(st.lists(NASTY_TEXT, min_size=1, max_size=6), min_size=0, max_size=4)
    text_file = st.tuples(rows, st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "shift_jis"])).map(
        lambda pair: "\n".join(",".join(row) for row in pair[0]).encode(pair[1], errors="replace"))
    return st.one_of(st.binary(max_size=400), text_file, st.just(b""), st.just(b"\xff\xfe\x00\x00garbage"))


@pytest.fixture
def office(db, roles_ready):
    """Real objects behind the ids in the URLs, so the fuzzing reaches the forms, not only the 404s."""
    from tests.orders.factories import ChannelFactory, order_with_lines
    from tests.returns.factories import build_return_site, open_rma, shipped_order
    from tests.warehouse.inbound import make_po
    from tests.warehouse.packing import carton_types, picked
    from tests.warehouse.picking import build_pick_site, product

    ps = build_pick_site()
    carton_types()
    shirt = product(ps)
    picked(ps, [(shirt, 1)])
    order_with_lines(channel=ChannelFactory(merchant=ps.merchant), lines=[(shirt, 2)])
    make_po(ps.site, [(shirt, 5)], number="PO-FUZZ")
    returns = build_return_site(products=1)
    open_rma(returns, shipped_order(returns, [(returns.products[0], 1)]), [(returns.products[0], 1)])
    admin = UserFactory(role=roles.ADMIN, is_superuser=True, is_staff=True)
    return {"warehouse": ps.warehouse.code, "station": ps.pack.code, "admin": admin}


def _ids(route: str, name: str) -> list[str]:
    """An existing row for the page's id where one can be found by the page's name, and one that does not exist."""
    from django.apps import apps

    wanted = name.split(":")[-1].removesuffix("_action").removesuffix("_detail").replace("_", "")
    for model in apps.get_models():
        if model._meta.app_label in ("auth", "contenttypes", "sessions", "admin", "authtoken"):
            continue
        if model.__name__.lower() in wanted or wanted in model.__name__.lower():
            first = model.objects.order_by("pk").values_list("pk", flat=True).first()
            if first is not None:
                return [str(first), "999999"]
    return ["999999"]


def _path(route: str, name: str, callback, office: dict, draw) -> str:
    def fill(match):
        converter, key = match.group(1) or "str", match.group(2)
        if converter == "int" or key.endswith(("pk", "_id")):
            key_name = name if key == "pk" else key.removesuffix("_pk").removesuffix("_id")
            return draw(st.sampled_from(_ids(route, key_name)))
        if key == "code":
            return draw(st.sampled_from([office["warehouse"], "NOPE"]))
        if key == "station":
            return draw(st.sampled_from([office["station"], "NOPE"]))
        if key == "fmt":
            return draw(st.sampled_from(["pdf", "zpl", "png", "x"]))
        return draw(st.sampled_from([*literal_words(callback), "nope"]))

    return "/" + PARAM.sub(fill, route)


@pytest.mark.django_db
def test_no_office_page_or_form_answers_500(office):
    """One set of objects for every page (built once: it is the slow part); every page's 500s are listed."""
    client = Client(raise_request_exception=False)
    client.force_login(office["admin"])
    failures = []
    for route, name, callback in PAGES:
        try:
            _fuzz_page(client, office, route, name, callback)
        except AssertionError as exc:
            failures.append(f"{name or route}: {str(exc)[:600]}")
    assert not failures, "\n".join(failures)


def _fuzz_page(client, office, route, name, callback):
    post_fields, get_fields = field_names(callback, "POST"), field_names(callback, "GET")
    files = set(re.findall(r'request\.FILES(?:\.get\(|\[)\s*["\'](\w+)["\']', _function_source(callback)))
    words = literal_words(callback)

    @settings(max_examples=8, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        path = _path(route, name, callback, office, data.draw)
        page = client.get(path)
        assert page.status_code < 500, (path, page.status_code)
        parser = _Forms()
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            parser.feed(page.content.decode("utf-8", "replace"))
        value = st.one_of(NASTY_TEXT, st.sampled_from(words or ["x"]))
        names = sorted(post_fields | parser.fields)
        body = {field: data.draw(st.one_of(value, st.lists(value, max_size=3)), label=field)
                for field in data.draw(st.lists(st.sampled_from(names), unique=True), label="fields")} if names else {}
        for field in sorted(files | parser.files):
            if data.draw(st.booleans(), label=f"send {field}"):
                body[field] = SimpleUploadedFile(data.draw(st.sampled_from(["f.csv", "f.txt", "f", "ü.csv"])),
                                                 data.draw(_file_bytes(), label=field), content_type="text/csv")
        response = client.post(path, body)
        assert response.status_code < 500, (path, body, response.status_code, response.content[:400])
        query = {field: data.draw(value, label=field) for field in sorted(get_fields)
                 if data.draw(st.booleans(), label=f"query {field}")}
        response = client.get(path, query)
        assert response.status_code < 500, (path, query, response.status_code, response.content[:400])

    check()


def test_the_office_pages_are_found_in_the_url_conf():
    """The enumeration itself: the forms this file is about are among the pages it fuzzes."""
    names = {name for _, name, _ in PAGES}
    for expected in ("orders:order_action", "orders:order_upload", "warehouse:po_create", "warehouse:po_upload",
                     "warehouse:wave_create", "warehouse:po_cancel", "returns:rma_new", "orders:order_list"):
        assert expected in names
    assert not any(name.endswith("_submit") for name in names)
