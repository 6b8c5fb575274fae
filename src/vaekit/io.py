"""Atomic file writes: a file is either its old self or its complete new self, never half-written."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path beside `path`; on success it replaces `path` in one step, on error it is removed.

    >>> with atomic_path("run/model.safetensors") as tmp:
    ...     save_file(tensors, tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes the file private (0600), and so do some writers that replace it (safetensors' save_file
        # writes its own new file with mode 0600): set the mode an ordinary new file gets, after the writer ran
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | Path, value: Any) -> None:
    """Strict JSON: a NaN or infinite number (an undefined result) is written as null, never as a bare NaN that
    JSON readers other than Python's refuse."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(finite_or_null(value), indent=2, allow_nan=False) + "\n")


def finite_or_null(value: Any) -> Any:
    """The value with every NaN or infinite float (in dicts, lists and tuples, at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(item) for item in value]
    return value


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back (this process's own setting)
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
