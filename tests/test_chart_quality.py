"""Report charts a reader trusts: labels never overlap each other, a point or a reference
line; nothing is clipped (ratios far above the reference are drawn to scale on a log axis,
a value axis that does not start at 0 is marked); years tick as whole years; codes and
scientific notation stay out of what a reader sees. Checked on the drawn figures (text
boxes from matplotlib's renderer), not on the code."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from aidi.report import charts
from aidi.report.figures import figure_texts
from aidi.specs.describe import describe_transform


@pytest.fixture(scope="module")
def nominal(default_build):
    return default_build


def _boxes(fig, kind):
    """(text, box of the text itself — an annotation's leader line left out)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [(t.get_text(), Text.get_window_extent(t, r)) for t in fig.findobj(kind)
            if t.get_visible() and t.get_text().strip()]


def test_scatter_labels_overlap_nothing(nominal):
    from matplotlib.text import Annotation

    from aidi.analysis.tables import scores_frame

    scores = scores_frame(nominal.result, nominal.observations)
    fig = charts.draw_pillar_scatter(scores, "en", (("technology_activity", "TA"),
                                                    ("market_friendliness", "MF")))
    ax = fig.axes[0]
    labels = _boxes(fig, Annotation)
    assert len(labels) == scores["index"].notna().sum()  # every economy labelled
    for i, (a, ba) in enumerate(labels):
        for b, bb in labels[i + 1:]:
            assert not ba.overlaps(bb), (a, b)
    # no label on a point or across the median lines
    pts = ax.transData.transform(np.column_stack([scores["technology_activity"],
                                                  scores["market_friendliness"]]))
    mx = ax.transData.transform((float(np.median(scores["technology_activity"])), 1))[0]
    my = ax.transData.transform((1, float(np.median(scores["market_friendliness"]))))[1]
    for text, box in labels:
        assert not any(box.contains(px, py) for px, py in pts), text
        assert not (box.x0 < mx < box.x1) and not (box.y0 < my < box.y1), text


def test_profile_draws_every_ratio_to_scale(nominal):
    from aidi.report.summary import item_profile
    from aidi.report.writers import node_labels

    items = item_profile(nominal.result, "CHN", node_labels(nominal.spec, "en"))
    fig = charts.draw_item_profile(items, "China", "United States", "en")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_xlim()
    vals = pd.to_numeric(items["value"], errors="coerce").dropna()
    assert lo < vals.min() and vals.max() < hi  # nothing beyond the axis
    ends = sorted(p.get_x() + p.get_width() for p in ax.patches if p.get_width() > 0)
    assert ends[-1] == pytest.approx(vals.max())  # 7.35 drawn at 7.35, not cut at 3
    shown = " ".join(figure_texts(fig))
    assert f"{vals.max():.2f}×" in shown


def test_waterfall_axis_cut_is_marked():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar([0, 1], [0.84, 0.77])
    ax.set_ylim(0.7, 0.9)
    n_before = len(ax.lines)
    charts.broken_axis(ax, (0, 1))
    assert len(ax.lines) > n_before
    plt.close(fig)


def test_year_axes_tick_whole_years():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([2012, 2013, 2014, 2015], [1, 2, 3, 4])
    charts.year_ticks(fig)
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d{4}", t) for t in ticks), ticks
    plt.close(fig)


def test_transforms_in_words(nominal):
    texts = [describe_transform(i, lang) for i in nominal.spec.indicators()
             for lang in ("en", "zh")]
    assert not any(re.search(r"wdi\.|e-0\d|\d\.\d+e[+-]", t) for t in texts), texts
    assert "× population ÷ 100,000" in texts


def test_exposure_chart_labels_do_not_overlap(nominal):
    from matplotlib.text import Text

    from aidi.report.exposure_chart import draw_exposure

    long = nominal.analyses(include="exposure").exposure.long
    fig = draw_exposure(long, "en")
    boxes = [(t, b) for t, b in _boxes(fig, Text)]
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            assert not ba.overlaps(bb), (a, b)
    assert not any("AIIE" in t or "aiie" in t for t, _ in boxes)
