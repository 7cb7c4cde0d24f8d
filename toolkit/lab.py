"""JupyterLab settings of the project (used by ``make lab``).

``strip_outputs`` is a Jupyter server pre-save hook: a notebook saved in
JupyterLab is written without outputs, execution counts or widget state, so
the ``.ipynb`` files in git stay as clean as their ``py:percent`` pairs
(jupytext, configured by ``jupytext.toml``, writes the pair on the same save).
"""
from __future__ import annotations


def strip_outputs(model, path=None, contents_manager=None, **kwargs):
    """Remove outputs, execution counts, widget state and the kernel's language_info (which a
    run adds: the Python version would show in git) from a notebook model in place."""
    if not model or model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    nb.get("metadata", {}).pop("widgets", None)
    nb.get("metadata", {}).pop("language_info", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
