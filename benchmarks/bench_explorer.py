"""Benchmark of the explorer, measured in the browser (Chromium through Playwright).

    python benchmarks/bench_explorer.py [--moves 25] [--variants 1000]

For the 20 economies and for `--countries all`: the size of `explorer.html`, and, over
`--moves` slider moves (random slider, random value), the time from the slider's `input`
event to the redrawn ranking — `performance.now()` around the event dispatch (the handler
re-aggregates and redraws the ranking synchronously), then with the layout forced; the time of
the other panels (quadrants, profile, lineage, table: drawn right after); and the time of the
rank bands over `--variants` variants for the new weights (the page computes them right
after the redraw). Goals (issue #13): redraw ≤ 50 ms, bands ≤ 200 ms, page ≤ 5 MB for the 20.
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

MOVE = """async ([n, seed]) => {
  let s = seed;
  const rnd = () => { s = (s * 16807) % 2147483647; return (s - 1) / 2147483646; };
  const sliders = Array.from(document.querySelectorAll('#weights input[type=range]'));
  const sync = [], laid = [];
  for (let i = 0; i < n; i++) {
    await new Promise(r => setTimeout(r, 0));
    while (window.aidiState.bandsPending) await new Promise(r => setTimeout(r, 1));
    const el = sliders[Math.floor(rnd() * sliders.length)];
    el.value = String(0.05 + 2 * rnd());
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
    from aidi.explorer import write_explorer
    from aidi.report.webfont import font_face_css

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for label, countries in (("20 economies", None), ("--countries all", "all")):
            started = time.perf_counter()
            b = aidi.build(countries=countries)
            path = write_explorer(b, Path(tmp) / label.replace(" ", "_"),
                                  n_variants=args.variants, font_css=font_face_css)
            export_s = time.perf_counter() - started
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t0 = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function("window.aidiState && window.aidiState.bandsPending === false")
            load_s = time.perf_counter() - t0
            res = page.evaluate(MOVE, [args.moves, 12345])
            page.close()
            rows.append((label, res["units"], path.stat().st_size / 1e6, export_s, load_s,
                         _median(res["sync"]), max(res["sync"]), _median(res["laid"]),
                         _median(res["panels"]), _median(res["bands"]), max(res["bands"]),
                         res["distinct"]))
        browser.close()
    print(f"explorer benchmark: {args.moves} slider moves, {args.variants} band variants, "
          "Chromium headless")
    head = ("page", "units", "MB", "export s", "load s", "redraw ms (median/max)",
            "incl. layout ms", "other panels ms", "bands ms (median/max)",
            "distinct variants")
    print(" | ".join(head))
    for r in rows:
        print(f"{r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.1f} | {r[4]:.2f} | {r[5]:.1f} / {r[6]:.1f}"
              f" | {r[7]:.1f} | {r[8]:.1f} | {r[9]:.1f} / {r[10]:.1f} | {r[11]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
