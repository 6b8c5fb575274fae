"""metrics.csv read back: one row of numbers per epoch (training/metrics_log.py writes it)."""

from __future__ import annotations

import csv
from pathlib import Path

from vaekit.core.errors import VaekitError


def read_metrics(path: Path) -> list[dict[str, float]]:
    """The rows of metrics.csv at `path` ([] when there is none), with a clear error when it is damaged."""
    if not path.is_file():
        return []
    try:
        with path.open() as handle:
            return [{key: _number(key, value) for key, value in row.items()} for row in csv.DictReader(handle)]
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise VaekitError(f"{path} is corrupt ({type(error).__name__}: {error})") from None


def _number(column: str, value: str) -> float:
    if value == "":  # a column that an earlier version did not log
        return float("nan")
    return int(value) if column in ("epoch", "step", "val_active_units", "best_epoch") else float(value)
