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
