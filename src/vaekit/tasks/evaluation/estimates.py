"""How an estimate (a mean and its standard error, as evaluation.json stores it) reads in a table."""

from __future__ import annotations

import math
from typing import Any


def estimate_text(estimate: dict[str, Any]) -> str:
    """"24.814 ± 0.235"; an undefined part (null in JSON, NaN in memory: the standard error of one example) is n/a.

    >>> estimate_text({"mean": 4.2, "se": None})
    '4.200 ± n/a'
    """
    return " ± ".join(f"{value:.3f}" if isinstance(value, (int, float)) and math.isfinite(value) else "n/a"
                      for value in (estimate.get("mean"), estimate.get("se")))
