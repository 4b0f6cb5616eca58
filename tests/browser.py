"""Playwright driving Debian's Chromium (Playwright cannot download its own browsers here)."""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError("Debian's chromium is missing: `make test` installs it with apt-get")
    return path


def login(page, base_url: str, username: str, password: str) -> None:
    """With the keyboard only, as a station operator would."""
    page.goto(f"{base_url}/login/")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def wait_station_idle(page, timeout: float = 15_000) -> None:
    """Every queued scan answered."""
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-station]');"
        " return s && s.dataset.idle === 'true' && (s.dataset.pending || '0') === '0'; }",
        timeout=timeout,
    )


# --- what every scan station must survive, shared by the per-station browser tests ----------------------

def scan(page, code: str) -> None:
    """Typed as a keyboard-wedge scanner types it, then every queued scan answered."""
    page.keyboard.type(code + "\n")
    wait_station_idle(page)


def station_result(page) -> tuple[str, str]:
    """(ok | error, text) of the station's last answer."""
    result = page.locator("[data-scan-result]")
    return result.get_attribute("data-scan-result"), result.inner_text()


def assert_refused(page, *words: str) -> str:
    kind, text = station_result(page)
    assert kind == "error", text
    for word in words:
        assert word in text, text
    return text


def send_poison_scans(page) -> None:
    """A stuck key (longer than any label) and a control byte no keyboard types: each is refused at the
    station, telling the operator to scan again, and the queue goes on."""
    scan(page, "A" * 81)
    assert_refused(page, "too long", "scan the label again")
    page.evaluate("""() => { const input = document.querySelector('[data-scan-input]');
        input.value = 'AB\\u0000CD'; input.form.requestSubmit(); }""")
    wait_station_idle(page)
    assert_refused(page, "control character", "scan the label again")


def press_doubled_enter(page) -> None:
    """A scanner's Enter suffix plus a key press: two Enters on the empty input, at once."""
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    wait_station_idle(page)


def assert_no_pending_quantity(page) -> None:
    """No quantity waits for the next scan, on screen or in the station's state."""
    assert page.locator("[data-pending-qty]").count() == 0, page.locator("[data-station-panel]").inner_text()
