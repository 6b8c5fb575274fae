"""Saving a matplotlib figure atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from vaekit.core.io import atomic_path

matplotlib.use("Agg")  # files only; never open a window or need a display (every figure module imports this one)


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    return Path(path)
