"""The month's summary page (reports/YYYY-MM/index.html) from the sections' recorded numbers."""
import nbformat

from toolkit.analyses.lifecycle import RATES
from toolkit.report.summary import write_month_index
from toolkit.report.tables import METRICS_MIME


def _month_folder(tmp_path, mau: list[int], lang: str = "en"):
    """A month folder holding one executed lifecycle notebook whose only output is its metrics."""
    folder = tmp_path / "2025-12"
    folder.mkdir(parents=True)
    series = {"mau": mau, "new": [10, 4], "active_rate": [0.50, 0.40], **{r: [0.3, 0.2] for r in RATES}}
    metrics = {"section": "lifecycle", "month": "2025-12", "language": lang, "target": 0.85, "target_default": False,
               "months": ["2025-11", "2025-12"], "series": series, "notes": []}
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={METRICS_MIME: metrics})])])
    nbformat.write(nb, str(folder / "01_lifecycle.ipynb"))
    (folder / "01_lifecycle.html").write_text("<html></html>", encoding="utf-8")
    return folder


def test_largest_movements_on_few_users_carry_a_small_numbers_caveat(tmp_path):
    """Fifteen active users: a 10-point move is chance more than news, and the page says so under
    the largest movements; with thousands of users it says nothing of the kind."""
    page = write_month_index(_month_folder(tmp_path / "a", [20, 15]), "2025-12", tmp_path).read_text(encoding="utf-8")
    assert "Largest movements" in page or "largest" in page.lower()
    assert "Small numbers: with 15 active users this month" in page, page
    zh = write_month_index(_month_folder(tmp_path / "b", [20, 15], "zh"), "2025-12", tmp_path, "zh").read_text(
        encoding="utf-8")
    assert "样本较小:本月活跃用户仅 15 人" in zh
    big = write_month_index(_month_folder(tmp_path / "c", [5000, 4000]), "2025-12", tmp_path).read_text(
        encoding="utf-8")
    assert "Small numbers" not in big
