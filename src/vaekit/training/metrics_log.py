"""metrics.csv and TensorBoard: the numbers a run logs each epoch."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from vaekit.core.io import write_text
from vaekit.runs.metrics import read_metrics

__all__ = ["COLUMNS", "read_metrics", "write_metrics"]  # read_metrics: where runs/ reads it too

COLUMNS = ["epoch", "step", "train_loss", "train_neg_elbo", "train_distortion", "train_rate", "val_neg_elbo",
           "val_distortion", "val_rate", "val_active_units", "beta", "lr", "examples_per_s", "epoch_seconds"]


def write_metrics(path: Path, rows: list[dict[str, float]]) -> None:
    """Rewrites the whole (small) file atomically, so an interrupted run never leaves a torn last line."""
    buffer = io.StringIO()
    # an objective's own terms (train_iw_bound, train_total_correlation, ...) follow the fixed columns
    extra = [key for row in rows for key in row if key not in COLUMNS]
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS + list(dict.fromkeys(extra)))
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())
