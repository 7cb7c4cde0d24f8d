"""The installed package renders the same report as the checkout: the report notebooks
ship inside the wheel, and a run that finds no notebooks fails clearly."""
import hashlib
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, run_cli
from toolkit.errors import ReportError


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel built from a copy of the source files (tracked and new, nothing ignored), as from a fresh clone."""
    tmp = tmp_path_factory.mktemp("wheel")
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    src = tmp / "src"
    for f in files:
        if (ROOT / f).is_file():
            (src / f).parent.mkdir(parents=True, exist_ok=True)
            (src / f).write_bytes((ROOT / f).read_bytes())
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp / "dist"),
                           str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [whl] = list((tmp / "dist").glob("toolkit-*.whl"))
    return whl


def test_the_wheel_ships_the_report_notebooks(wheel):
    with zipfile.ZipFile(wheel) as z:
        shipped = {n.rsplit("/", 1)[1]: _sha(z.read(n)) for n in z.namelist() if n.startswith("toolkit/notebooks/")}
        names = z.namelist()
    repo = {p.name: _sha(p.read_bytes()) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    assert shipped == repo
    assert "toolkit/sql/health_events.sql" in names and "toolkit/defaults.yaml" in names
    assert "toolkit/shipped/scene_rules.csv" in names   # the preferences section's default rules


def test_a_non_editable_install_renders_the_report(wheel, sample_dir, tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(site), str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k != "TOOLKIT_CONFIG"}
    env["PYTHONPATH"] = str(site)   # the installed copy comes before the checkout's editable one
    away = tmp_path / "elsewhere"   # no toolkit.yaml here or above, no notebooks/ folder
    away.mkdir()
    where = subprocess.run([sys.executable, "-c", "import toolkit.report.runner as r; print(r.__file__); "
                            "print(r.NOTEBOOK_DIR)"], capture_output=True, text=True, env=env, cwd=away)
    module, notebooks = where.stdout.split()
    assert module.startswith(str(site)) and notebooks == str(site / "toolkit" / "notebooks"), where.stdout
    out = tmp_path / "reports"
    proc = subprocess.run([sys.executable, "-m", "toolkit", "report", str(sample_dir), "--out", str(out),
                           "--lang", "en"], capture_output=True, text=True, env=env, cwd=away)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    month = out / "2026-10"
    assert sorted(p.name for p in month.glob("*.html")) == ["01_lifecycle.html", "02_periods.html",
                                                             "03_preferences.html", "04_value_risk.html", "index.html"]


def test_an_empty_notebook_folder_fails_clearly(tiny_dir, tmp_path):
    empty = tmp_path / "no-notebooks"
    empty.mkdir()
    proc = run_cli("report", tiny_dir, "--out", tmp_path / "reports", "--notebooks", empty)
    assert proc.returncode != 0
    assert "No report notebooks" in proc.stderr and str(empty) in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_an_install_without_notebooks_says_how_to_fix_it(tmp_path, monkeypatch):
    from toolkit.report import runner as report
    monkeypatch.setattr(report, "NOTEBOOK_DIR", tmp_path)
    with pytest.raises(ReportError, match="reinstall it from the project folder"):
        report.required_notebooks()
    with pytest.raises(ReportError, match="No report notebooks"):
        report.render_month(tmp_path, "2026-10", out_dir=tmp_path / "out")
