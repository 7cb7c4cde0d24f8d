"""User operations analytics (用户运营分析) over event data, queried through DuckDB."""
from .config import Config, load_config
from .errors import ToolkitError
from .data.store import Store, open_store

__all__ = ["Config", "Store", "ToolkitError", "load_config", "open_store"]
__version__ = "0.1.0"
