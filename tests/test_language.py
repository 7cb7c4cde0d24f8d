"""Chinese labels render: a CJK font is used and matplotlib reports no missing glyph."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from toolkit.report import labels as L  # noqa: E402
from toolkit.analyses.lifecycle import Lifecycle  # noqa: E402
from toolkit.analyses.decomposition import mau_bridge, transitions  # noqa: E402
from toolkit.report.plots import plot_bridge, plot_rates, plot_states, plot_transitions, use_cjk_font  # noqa: E402
from toolkit.data.store import open_store  # noqa: E402


def test_chinese_charts_have_every_glyph(sample_dir):
    font = use_cjk_font()
    if font is None:
        pytest.fail("No CJK font found: `make install` installs fonts-noto-cjk (or install a Noto Sans CJK font)")
    lc = Lifecycle(open_store(sample_dir).con)
    mo = lc.monthly(2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, axes = plt.subplots(2, 2, figsize=(12, 8))
        plot_states(mo, lang="zh", ax=axes[0, 0])
        plot_rates(mo, lang="zh", ax=axes[0, 1])
        plot_bridge(mau_bridge(mo, "2026-10"), lang="zh", ax=axes[1, 0])
        plot_transitions(transitions(lc, "2026-10", 2)[1], lang="zh", ax=axes[1, 1])
        fig.canvas.draw()
        plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing[:3]
    assert axes[0, 0].get_title() == "用户分群变化"


def test_labels_in_both_languages():
    assert L.state("churned", "zh") == "流失用户" and L.state("churned", "en") == "churned"
    assert L.rate("wake_rate", "zh") == "唤醒率" and L.rate("return_rate", "en") == "return rate"


def test_rendered_chinese_report_has_no_glyph_warnings(rendered_reports):
    import nbformat
    out, _ = rendered_reports["zh"]
    nb = nbformat.read(str(out / "2026-10" / "01_lifecycle.ipynb"), as_version=4)
    streams = " ".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "missing from" not in streams
    assert nb.metadata["papermill"]["parameters"]["language"] == "zh"
    html = (out / "2026-10" / "01_lifecycle.html").read_text(encoding="utf-8")
    assert "用户分群变化" in html and "月活率" in (out / "2026-10" / "index.html").read_text(encoding="utf-8")


def test_the_bridge_keeps_its_labels_inside_the_chart():
    """A month whose new users outnumber last month's MAU (the second month of a data set): the
    tallest bar and its label stay under the title (they ran over it)."""
    import pandas as pd
    row = dict(cumulative=0, active=0, new_retained=300, woken=232, returned=0, dormant=0, churned=0)
    mo = pd.DataFrame([{**row, "month": "2024-11", "mau": 400, "new": 400, "new_retained": 0, "woken": 0},
                       {**row, "month": "2024-12", "mau": 1637, "new": 1105}])
    fig, ax = plt.subplots(figsize=(6, 3))
    plot_bridge(mau_bridge(mo, "2024-12"), lang="en", ax=ax)
    fig.canvas.draw()
    box = ax.get_window_extent()
    for text in ax.texts:
        extent = text.get_window_extent()
        assert extent.y1 <= box.y1, (text.get_text(), extent.y1, box.y1)
    plt.close(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_lifecycle_glossary_defines_the_seven_states_and_old_active_users(lang):
    """A reader checking the page's numbers met 老活跃用户 beside 活跃用户 and 月活跃用户 with no
    definition of either, nor of the seven states: the glossary names each state the page shows."""
    from toolkit.analyses.lifecycle import STATES
    text = L.glossary("lifecycle", lang)
    states = L.definition("lifecycle", "states", lang)
    for s in STATES:
        assert L.state(s, lang) in states, s
    assert ("老活跃用户" if lang == "zh" else "old active users") in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_jargon_a_manager_met_on_the_pages_is_in_their_glossary(lang):
    """AARRR (a chart title), difference-in-differences (a campaign without control), the two
    churn models and Spearman / Pearson were on the pages with no word of what they are."""
    zh = lang == "zh"
    periods, value = L.glossary("periods", lang), L.glossary("value_risk", lang)
    assert "AARRR" in periods and ("双重差分" if zh else "difference-in-differences") in periods
    assert ("逻辑回归" if zh else "logistic regression") in value and ("梯度提升树" if zh else "gradient boosting") in value
    assert "Spearman" in value and "Pearson" in value and "-1" in value


def test_the_rates_chart_shows_points_at_0_and_100_percent_and_a_lone_month():
    """A new-user retention of 100% sat half on the frame, 0% on the axis, and a rate of one month
    between months without one was a dot too small to see (fifteen hand-made users)."""
    import numpy as np
    import pandas as pd
    mo = pd.DataFrame({"month": ["2025-06", "2025-07", "2025-08"], "retention_new": [np.nan, 1.0, np.nan],
                       "retention_old": [0.0, 0.5, 0.6], "wake_rate": [0.2, 0.0, 0.3], "return_rate": [0.1, 0.2, 1.0]})
    fig, ax = plt.subplots()
    plot_rates(mo, lang="en", ax=ax)
    low, high = ax.get_ylim()
    assert low < 0 and high > 1
    assert all(line.get_marker() == "o" and line.get_markersize() >= 4 for line in ax.get_lines())
    plt.close(fig)


def test_the_transition_rows_name_their_users():
    """A row of one user read 100%, like a row of thousands: each row names how many users it holds."""
    import pandas as pd
    states = ["new", "active"]
    counts = pd.DataFrame([[3, 0], [0, 0], [1, 1]], index=["not entered", "new", "active"], columns=states)
    shares = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0)
    fig, ax = plt.subplots()
    plot_transitions(shares, counts=counts, lang="en", ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["new (0)", "active (2)"]
    plt.close(fig)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_bridge_charts_bar_names_do_not_run_into_each_other(lang, sample_dir):
    """上月活跃本月未活跃, turned 20 degrees, ran into 上月活跃 beside it: the names stand upright,
    wrapped, each inside its own bar's width."""
    use_cjk_font()
    mo = Lifecycle(open_store(sample_dir).con).monthly(2)
    fig, ax = plt.subplots(figsize=(8, 4))
    plot_bridge(mau_bridge(mo, "2026-10"), lang=lang, ax=ax)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels()]
    for a, b in zip(boxes, boxes[1:]):
        assert a.x1 <= b.x0, (a, b)
    plt.close(fig)
