"""Notebooks find their configuration from wherever the kernel starts, with no parameters
and no $TOOLKIT_CONFIG: the notebooks folder and the repository root (the project's
toolkit.yaml, reading data/sample), and an analyst's folder holding only its own
toolkit.yaml.  Without data, the first cell says what to do in one paragraph."""
import shutil

import nbformat
import papermill as pm
import pytest

from conftest import ROOT
from toolkit.report.runner import report_notebooks
from toolkit.report.tables import read_metrics

NOTEBOOKS = report_notebooks()


@pytest.fixture(scope="module")
def repo_sample():
    if not (ROOT / "data" / "sample" / "truth.json").exists():
        pytest.fail("The project's sample is missing: `make test` generates it (or run `make sample`).")
    return ROOT / "data" / "sample"


def _run(nb, out, cwd):
    pm.execute_notebook(str(nb), str(out), kernel_name="python3", progress_bar=False, cwd=str(cwd),
                        execution_timeout=600)
    executed = nbformat.read(str(out), as_version=4)
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return executed


@pytest.mark.parametrize("where", ["notebooks", "root"])
def test_each_notebook_runs_from_the_project(where, repo_sample, tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    cwd = ROOT / "notebooks" if where == "notebooks" else ROOT
    for nb in NOTEBOOKS:
        out = tmp_path / nb.name
        _run(nb, out, cwd)
        metrics = read_metrics(out)
        assert metrics and metrics[0]["language"] == "zh", nb.name   # the project's toolkit.yaml


def test_each_notebook_runs_from_an_analysts_folder(sample_dir, tmp_path, monkeypatch):
    """A copy of each notebook next to the analyst's own toolkit.yaml, and nothing else."""
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    mine = tmp_path / "my-analysis"
    mine.mkdir()
    (mine / "toolkit.yaml").write_text(f"data_dir: {sample_dir}\nlanguage: en\nchurn_after: 3\n", encoding="utf-8")
    for nb in NOTEBOOKS:
        copy = shutil.copy2(nb, mine / nb.name)
        out = tmp_path / f"out-{nb.name}"
        _run(copy, out, mine)
        m = read_metrics(out)[0]
        assert m["language"] == "en" and m["month"] == "2026-10", nb.name
    assert read_metrics(tmp_path / "out-01_lifecycle.ipynb")[0]["churn_after"] == 3


def test_without_data_the_first_cell_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("TOOLKIT_CONFIG", raising=False)
    (tmp_path / "toolkit.yaml").write_text("data_dir: not-here\n", encoding="utf-8")
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError):
        pm.execute_notebook(str(NOTEBOOKS[0]), str(out), kernel_name="python3", progress_bar=False,
                            cwd=str(tmp_path), execution_timeout=300)
    nb = nbformat.read(str(out), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1
    first_code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
                  and "injected-parameters" not in c.metadata.get("tags", [])][0]
    assert errors[0] in first_code.outputs
    shown = "\n".join(errors[0]["traceback"])
    # one paragraph; on the default Chinese pages the kind of problem in Chinese above it
    assert "Traceback" not in shown and 'File "' not in shown and errors[0]["traceback"][-1].count("\n") == 0, shown
    assert len(errors[0]["traceback"]) == 1 or errors[0]["traceback"][0].startswith("\x1b[31m找不到要分析的数据"), shown
    assert str(tmp_path / "not-here") in shown and "make sample" in shown and "data_dir" in shown
