"""Driving an offline page in Debian's Chromium through Playwright (shared by the browser tests).

`Tab` opens a page and fails the test on any request that is not the file itself, any page
error and any console error or warning; `phone=True` emulates an iPhone 13 (390 × 844, touch,
device scale 3).
"""

from __future__ import annotations

import importlib.util
import io
import time
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SETTLED = "() => Boolean(window.aidiState && window.aidiState.bandsPending === false)"


def missing_browser() -> str:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    return ""


browser_only = pytest.mark.skipif(bool(missing_browser()), reason=missing_browser() or "ok")


def launch():
    """(playwright, browser) for a module fixture: `yield from launch()`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield pw, b
        b.close()


class Tab:
    """One browser tab on a page (desktop 1400 × 1000, or a phone)."""

    def __init__(self, pw_browser, url: str, *, phone: bool = False,
                 downloads: bool = False) -> None:
        pw, browser = pw_browser
        self.requests: list[str] = []
        self.errors: list[str] = []
        opts = dict(pw.devices["iPhone 13"]) if phone else {"viewport": {"width": 1400,
                                                                           "height": 1000}}
        self.context = browser.new_context(accept_downloads=downloads, **opts)
        self.tab = self.context.new_page()
        self.tab.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
                    else self.requests.append(r.url))
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.tab.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
        self.tab.goto(url)
        self.settle()

    def settle(self, timeout: float = 60.0) -> dict:
        """Wait until the page has drawn and computed its bands (polled from Python:
        `wait_for_function` would evaluate a string, which the page's CSP forbids)."""
        deadline = time.monotonic() + timeout
        self.tab.wait_for_timeout(0)
        while not self.tab.evaluate(SETTLED):
            if time.monotonic() > deadline:
                raise TimeoutError("the page did not settle")
            self.tab.wait_for_timeout(15)
        return self.state()

    def state(self) -> dict:
        return self.tab.evaluate("window.aidiState")

    def set_weights(self, weights: dict[str, float]) -> dict:
        """Move every slider named, as a reader would (an `input` event each)."""
        self.tab.evaluate("""(ws) => { for (const [id, v] of Object.entries(ws)) {
            const el = document.getElementById('w-' + id); el.value = String(v);
            el.dispatchEvent(new Event('input', {bubbles: true})); } }""", weights)
        return self.settle()

    def tab_to(self, name: str) -> dict:
        self.tab.click(f".tabs button[data-tab={name}]")
        return self.settle()

    def download(self, button: str) -> tuple[str, bytes]:
        """Click a download button; (file name, bytes)."""
        with self.tab.expect_download() as dl:
            self.tab.click(button)
        d = dl.value
        return d.suggested_filename, Path(d.path()).read_bytes()

    def overflow(self) -> int:
        """How far the page is wider than the window (0 = no sideways scroll)."""
        return int(self.tab.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"))

    def close(self) -> None:
        assert not self.requests, f"the page made network requests: {self.requests}"
        assert not self.errors, self.errors
        self.context.close()


def read_export_csv(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """The header lines ("# key: value") and the table of an exported CSV."""
    text = data.decode("utf-8")
    head = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[2:].partition(": ")
        head[key] = value
    return head, pd.read_csv(io.StringIO(text), comment="#")
