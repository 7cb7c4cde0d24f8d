"""Where the aggregates are kept, and their manifest.

Default location: ``<data_dir>/.toolkit-cache`` when the data folder is writable
(for a ``.duckdb`` file: ``<file>.toolkit-cache`` beside it), else a folder in the
user cache (``$XDG_CACHE_HOME`` or ``~/.cache``), ``user-ops-toolkit/<hash of the
data path>``.  ``cache_dir`` in the configuration overrides it.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST = "manifest.json"
LAYOUT = 1      # bump when the layout or the meaning of a table changes outside the SQL: every cache rebuilds
_SQL = Path(__file__).resolve().parent.parent / "sql"


def _format() -> str:
    """The cache format: LAYOUT and a digest of the queries that write the kept tables, so that a
    cache written by another version of them is rebuilt, never read with the wrong columns."""
    digest = hashlib.sha256()
    for path in sorted([*_SQL.glob("agg_*.sql"), *_SQL.glob("lifecycle_*.sql")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{LAYOUT}-{digest.hexdigest()[:16]}"


FORMAT = _format()


def cache_root(data_dir, cache_dir=None) -> Path:
    """The folder holding the aggregates of ``data_dir`` (created on first build)."""
    if cache_dir:
        return Path(cache_dir).expanduser().resolve()
    data = Path(data_dir).resolve()
    beside = data / ".toolkit-cache" if data.is_dir() else data.with_name(data.name + ".toolkit-cache")
    parent = data if data.is_dir() else data.parent
    if os.access(parent, os.W_OK) and (not beside.exists() or os.access(beside, os.W_OK)):
        return beside
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "user-ops-toolkit" / hashlib.sha256(str(data).encode()).hexdigest()[:16]


def read_manifest(root: Path) -> dict:
    try:
        return json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(root: Path, manifest: dict) -> None:
    """Write atomically: a crash leaves the old manifest or the new one, never half of one.
    Compact, one line: with ``indent`` the json module encodes in Python, and the manifest
    of a long history (every month's and file's fingerprint) is written twice a build."""
    tmp = root / f".{MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(manifest, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, root / MANIFEST)
