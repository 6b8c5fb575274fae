"""Reading a JSON file that vaekit wrote but anyone can edit (a run's config.json, evaluation.json, code-prior.json,
a study's tune.json): its size and nesting are bounded before it is parsed, so a crafted file gives one line
instead of a RecursionError or a parse of gigabytes.

    saved = read_json(run_dir / "config.json")     # DataError: "runs/x/config.json nests 100,000 levels deep ..."
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaekit.core.errors import DataError
from vaekit.core.schema import loads

DEPTH = 32             # vaekit's own files nest at most 5 deep (config.json: sections, a list of widths)
MAX_BYTES = 64 << 20   # a run's JSON files are kilobytes; a long ids list in an evaluation stays far below this


def read_json(path: str | Path, depth: int = DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON value in the file at `path`; a DataError naming the file when it is larger than `max_bytes`,
    nests deeper than `depth`, is not UTF-8 or is not JSON (OSError from reading is left to the caller)."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(f"{path} is {size:,} bytes, more than the {max_bytes:,} a vaekit JSON file may hold; it was "
                        "not written by vaekit")
    return loads(path.read_bytes(), str(path), depth)
