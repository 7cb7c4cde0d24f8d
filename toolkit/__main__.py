"""``python -m toolkit``, and ``spark-submit <this file>`` (spark-submit takes a script path: run
as a script, the package's own folder is first on ``sys.path``, where ``data``, ``report`` and
``config`` would shadow any library's modules of those names, so it is taken away)."""
import os
import sys

if not __package__:
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

from toolkit.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
