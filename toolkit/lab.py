"""JupyterLab settings of the project (used by ``make lab``).

``strip_outputs`` is a Jupyter server pre-save hook: a notebook saved in
JupyterLab is written without outputs, execution counts or widget state, so
the ``.ipynb`` files in git stay as clean as their ``py:percent`` pairs
(jupytext, configured by ``jupytext.toml``, writes the pair on the same save).
"""
from __future__ import annotations


def strip_outputs(model, path=None, contents_manager=None, **kwargs):
    """Remove outputs, execution counts and widget state from a notebook model in place."""
    if not model or model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
