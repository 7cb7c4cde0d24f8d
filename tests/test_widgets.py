"""The JupyterLab controls: changing the month or the churn window redraws the charts."""
import matplotlib

matplotlib.use("Agg")

from toolkit.context import open_report  # noqa: E402
from toolkit.widgets import LifecycleExplorer  # noqa: E402


def test_explorer_redraws_on_change(sample_dir):
    ctx = open_report(data_dir=str(sample_dir), month="2026-06", language="en")
    ex = LifecycleExplorer(ctx)
    first, png = ex.figure, ex.image.value
    assert png[:4] == b"\x89PNG"
    assert ex.month.value == "2026-06" and ex.churn_after.value == 2
    ex.month.value = "2026-03"
    assert ex.figure is not first and ex.image.value != png
    bridge_labels = [t.get_text() for t in ex.figure.axes[2].get_xticklabels()]
    assert "woken" in bridge_labels
    second = ex.figure
    ex.churn_after.value = 1
    assert ex.figure is not second
    # with k = 1 there is no dormant state: its column of the transition heatmap is all zero
    heat = ex.figure.axes[4]
    assert "dormant" in [t.get_text() for t in heat.get_xticklabels()]
