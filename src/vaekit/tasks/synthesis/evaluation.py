"""How good a run's synthetic rows are, beside the simple method a user would try first: each column resampled on
its own from the training rows (every column's shape kept, no relation between columns). Both are scored by the
same quality report, against the same training rows and holdout, in the same call.

    result = evaluate_synthetic(model, metadata, calibration, train_rows, holdout_rows, seed=0)
    result["vaekit"]["quality_score"], result["independent_columns"]["quality_score"], result["verdict"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from vaekit.data.table.metadata import TableMetadata
from vaekit.tasks.synthesis.calibration import Calibration
from vaekit.tasks.synthesis.quality import quality_report
from vaekit.tasks.synthesis.sampling import synthesize

if TYPE_CHECKING:
    import pandas as pd

# the figures a verdict compares, with the direction that is better
COMPARED = (("quality_score", "quality"), ("column_shapes", "column shapes"),
            ("column_pair_trends", "column pair trends"))


def independent_columns(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """`rows` rows whose every column is drawn on its own, with replacement, from `frame`'s column."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({name: frame[name].to_numpy()[rng.integers(0, len(frame), rows)] for name in frame.columns})


def evaluate_synthetic(model: torch.nn.Module, metadata: TableMetadata, calibration: Calibration | None,
                       real: pd.DataFrame, holdout: pd.DataFrame | None, seed: int = 0,
                       target: str | None = None) -> dict[str, Any]:
    """The quality report of as many synthetic rows as `real` has, and of independent columns, with a verdict."""
    drawn = synthesize(model, metadata, len(real), seed=seed, calibration=calibration)
    baseline = independent_columns(real, len(real), seed)
    sdtypes, formats = metadata.sdtypes(), metadata.datetime_formats()
    ours = quality_report(real, drawn.frame, holdout, sdtypes, target, seed, formats).as_dict()
    theirs = quality_report(real, baseline, holdout, sdtypes, target, seed, formats).as_dict()
    return {"vaekit": ours, "independent_columns": theirs, "rows": len(real), "seed": seed,
            "verdict": verdict(ours, theirs), "synthetic": drawn.frame}


def verdict(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """One line: vaekit's quality against independent columns', and on which property it wins or loses."""
    a, b = ours.get("quality_score"), theirs.get("quality_score")
    if a is None or b is None:
        return "quality could not be compared (a score is undefined)"
    parts = [f"{what} {ours[key]:.3f} vs {theirs[key]:.3f}" for key, what in COMPARED[1:]
             if ours.get(key) is not None and theirs.get(key) is not None]
    word = "better than" if a > b else "no better than"
    return f"synthetic rows: quality {a:.3f}, {word} independent columns' {b:.3f} ({'; '.join(parts)})"
