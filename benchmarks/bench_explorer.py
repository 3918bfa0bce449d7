"""Benchmark of the explorer, measured in the browser (Chromium through Playwright).

    python benchmarks/bench_explorer.py [--moves 25] [--variants 1000]

For the 20 economies and for `--countries all` (each page with its timeline, as `aidi
explore` writes it): the size of `explorer.html`, and, over `--moves` slider moves (random
weight slider, random value), the time from the slider's `input` event to the redrawn view —
`performance.now()` around the event dispatch (the handler re-aggregates and redraws the
visible view synchronously), then with the layout forced; the time of the view redrawn with
the new rank bands; and the time of the bands over `--variants` variants (computed right after
the redraw). The same for the edition slider on the map and on the "over time" view (each
edition re-aggregated with the reader's weights). Goals (issue #27): slider → redraw ≤ 16 ms
median at 20 economies and ≤ 50 ms at all economies; bands ≤ 200 ms; page ≤ 5 MB for the 20.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

MOVE = """async ([n, seed, selector]) => {
  let s = seed;
  const rnd = () => { s = (s * 16807) % 2147483647; return (s - 1) / 2147483646; };
  const sliders = Array.from(document.querySelectorAll(selector));
  const sync = [], laid = [];
  for (let i = 0; i < n; i++) {
    await new Promise(r => setTimeout(r, 0));
    while (window.aidiState.bandsPending) await new Promise(r => setTimeout(r, 1));
    const el = sliders[Math.floor(rnd() * sliders.length)];
    el.value = el.id === 'edition' ? String(Math.floor(rnd() * (Number(el.max) + 1)))
      : String(0.05 + 2 * rnd());
    const t0 = performance.now();
    el.dispatchEvent(new Event('input', {bubbles: true}));
    const t1 = performance.now();
    void document.body.offsetHeight;  // force style and layout of the new ranking
    laid.push(performance.now() - t0);
    sync.push(t1 - t0);
  }
  while (window.aidiState.bandsPending) await new Promise(r => setTimeout(r, 1));
  return {sync, laid, bands: window.aidiTimings.bands.slice(-n),
          panels: window.aidiTimings.panels.slice(-n),
          distinct: window.aidiState.bandsDistinct, units: window.aidiState.units.length};
}"""


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=25)
    ap.add_argument("--variants", type=int, default=1000)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    import aidi
    from aidi.commands.explore import _timeline, unit_strings
    from aidi.explorer import write_explorer
    from aidi.report.webfont import font_face_css

    rows = []
    cases = (("weights", "chart", "#weights input[type=range]"),
             ("weights", "map", "#weights input[type=range]"),
             ("edition", "map", "#edition"), ("edition", "time", "#edition"))
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for label, countries in (("20 economies", None), ("--countries all", "all")):
            started = time.perf_counter()
            b = aidi.build(countries=countries)
            tl = _timeline(b, countries, None)
            path = write_explorer(b, Path(tmp) / label.replace(" ", "_"),
                                  n_variants=args.variants, font_css=font_face_css,
                                  timeline=tl, extra_strings=unit_strings())
            export_s = time.perf_counter() - started
            for slider, tab, selector in cases:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                t0 = time.perf_counter()
                page.goto(path.as_uri() + f"#tab={tab}")
                page.wait_for_function(
                    "window.aidiState && window.aidiState.bandsPending === false")
                load_s = time.perf_counter() - t0
                res = page.evaluate(MOVE, [args.moves, 12345, selector])
                page.close()
                rows.append((label, f"{slider} → {tab}", res["units"],
                             path.stat().st_size / 1e6, export_s, load_s,
                             _median(res["sync"]), max(res["sync"]), _median(res["laid"]),
                             _median(res["panels"]), _median(res["bands"]),
                             max(res["bands"] or [float("nan")]), res["distinct"]))
        browser.close()
    print(f"explorer benchmark: {args.moves} slider moves, {args.variants} band variants, "
          "Chromium headless")
    head = ("page", "slider → view", "units", "MB", "export s", "load s",
            "redraw ms (median/max)", "incl. layout ms", "redraw with bands ms",
            "bands ms (median/max)", "distinct variants")
    print(" | ".join(head))
    for r in rows:
        print(f"{r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.1f} | {r[5]:.2f} | "
              f"{r[6]:.1f} / {r[7]:.1f} | {r[8]:.1f} | {r[9]:.1f} | {r[10]:.1f} / {r[11]:.1f}"
              f" | {r[12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
