"""The screenshots in docs/: the explorer and the report, desktop and phone, English and Chinese.

    python benchmarks/screenshots.py [--out docs] [--only explorer|report]

Run on purpose, never by the tests (they write to temporary folders only). It builds the
pages as users get them (`aidi explore`, `aidi build`), opens each from `file://` in Debian's
Chromium (desktop 1400 × 1000, and an iPhone 13 emulation at 390 × 844), checks that no
request leaves the page, nothing errors and nothing scrolls sideways, and saves one PNG per
view. Each file name says what it shows: `explorer_<view>_<lang>_<device>.png`,
`report_<lang>.png`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETTLED = "() => Boolean(window.aidiState && window.aidiState.bandsPending === false)"
#: (view name, link state, devices) of the explorer shots.
VIEWS = (("ranking", "tab=chart", ("desktop", "phone")),
         ("quadrants", "tab=chart&chart=quadrant", ("desktop",)),
         ("map", "tab=map", ("desktop", "phone")),
         ("over-time", "tab=time", ("desktop", "phone")),
         ("reproduction", "tab=repro", ("desktop", "phone")),
         ("profile", "economy=JPN", ("desktop", "phone")),
         ("table", "tab=table", ("desktop",)))


def _open(pw, browser, url: str, device: str):
    opts = dict(pw.devices["iPhone 13"]) if device == "phone" else \
        {"viewport": {"width": 1400, "height": 1000}}
    ctx = browser.new_context(**opts)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
            else problems.append(f"request {r.url}"))
    page.on("pageerror", lambda e: problems.append(f"error {e}"))
    page.on("console", lambda m: problems.append(f"console {m.text}")
            if m.type in ("error", "warning") else None)
    page.goto(url)
    return ctx, page, problems


def _settle(page) -> None:
    for _ in range(4000):
        if page.evaluate(SETTLED):
            return
        page.wait_for_timeout(15)
    raise TimeoutError("the page did not settle")


def explorer_shots(pw, browser, out: Path, tmp: Path) -> list[Path]:
    from typer.testing import CliRunner

    from aidi.cli import app

    res = CliRunner().invoke(app, ["explore", "--out", str(tmp / "explore")])
    if res.exit_code != 0:
        raise SystemExit(res.output)
    html = (tmp / "explore" / "explorer.html").as_uri()
    paths = []
    for lang in ("en", "zh"):
        for view, state, devices in VIEWS:
            for device in devices:
                ctx, page, problems = _open(pw, browser, f"{html}#{state}&lang={lang}", device)
                _settle(page)
                page.wait_for_timeout(200)
                wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if problems or wide > 0:
                    raise SystemExit(f"{view} {lang} {device}: {problems} overflow {wide}px")
                path = out / f"explorer_{view}_{lang}_{device}.png"
                page.screenshot(path=str(path), full_page=device == "phone")
                paths.append(path)
                ctx.close()
    return paths


def report_shots(pw, browser, out: Path, tmp: Path) -> list[Path]:
    import aidi
    from aidi.report.build_report import write_build_report

    b = aidi.build()
    paths = []
    for lang in ("en", "zh"):
        folder = tmp / f"report_{lang}"
        write_build_report(b.analyses(n_samples=200, n_base=64), folder, lang=lang)
        ctx, page, problems = _open(pw, browser, (folder / "report.html").as_uri(), "desktop")
        page.wait_for_timeout(400)
        if problems:
            raise SystemExit(f"report {lang}: {problems}")
        path = out / f"report_{lang}.png"
        page.screenshot(path=str(path))
        paths.append(path)
        ctx.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    ap.add_argument("--only", choices=("explorer", "report"))
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if args.only in (None, "explorer"):
            written += explorer_shots(pw, browser, args.out, Path(tmp))
        if args.only in (None, "report"):
            written += report_shots(pw, browser, args.out, Path(tmp))
        browser.close()
    for p in written:
        print(f"wrote {p} ({p.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
