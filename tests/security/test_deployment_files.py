"""The image runs as a non-root user, keeps local and secret files out, and the web's health check asks
readiness only (docker cannot run here: the files are parsed)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_runs_as_a_non_root_user():
    instructions = _instructions()
    users = [argument.strip() for keyword, argument in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0"), users
    last_user = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "USER")
    assert instructions[-1][0] == "CMD" and last_user < len(instructions) - 1
    assert any(keyword == "RUN" and "useradd" in argument for keyword, argument in instructions[:last_user])


def test_dockerignore_keeps_the_virtualenv_local_data_and_secrets_out():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert {".venv", ".data", ".env", ".git", "*.pem", "*.key", "secrets"} <= patterns
    assert not any(line.startswith("!") for line in patterns), "nothing is re-included"


def test_the_web_health_check_asks_readiness_not_the_workers():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    check = " ".join(services["web"]["healthcheck"]["test"])
    assert "/healthz/ready" in check
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_every_form_that_posts_carries_the_csrf_token():
    templates = list((ROOT / "templates").rglob("*.html")) + list(ROOT.glob("*/templates/**/*.html"))
    missing = []
    for template in templates:
        text = template.read_text()
        for form in text.split("<form")[1:]:
            body = form.split("</form>")[0]
            if 'method="post"' in body.split(">")[0].lower() and "csrf_token" not in body:
                missing.append(template.relative_to(ROOT).as_posix())
    assert templates and missing == []


def test_only_signed_webhooks_skip_the_csrf_check():
    """Pages are CSRF-checked by the middleware; DRF views check it themselves for session callers; only the
    webhooks authenticated by their signature (storefronts, carriers) skip it."""
    from django.conf import settings

    from core.access import SIGNED_REQUEST, URL_RULES
    from tests.security.test_authorization_matrix import all_urls

    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    exempt = {url.name for url in all_urls() if getattr(url.callback, "csrf_exempt", False)
              and not hasattr(url.callback, "cls") and not url.name.startswith("admin:")}
    signed = {name for name, rule in URL_RULES.items() if rule == SIGNED_REQUEST}
    assert "orders:storefront-webhook" in signed
    assert exempt == signed, exempt


def test_a_page_form_posted_without_the_token_is_refused(db):
    from django.test import Client

    from core import roles
    from core.roles import ensure_roles
    from tests.factories import UserFactory

    ensure_roles()
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role=roles.WAREHOUSE_MANAGER))
    assert client.post("/returns/flush/build/", {}).status_code == 403
