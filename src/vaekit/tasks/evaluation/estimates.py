"""How an evaluation's numbers read in a table: an estimate (a mean and its standard error, as evaluation.json
stores it) and a single number. An undefined number (null in JSON, NaN or infinite in memory) reads "n/a" in
every table (`vaekit evaluate`, `vaekit compare`, report.html), never "nan", "None" or a blank."""

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


def number_text(value: Any) -> str:
    """A number as a table shows it, to 4 significant digits; n/a where it is undefined (None, NaN, infinite).
    Anything else (an int count, a name) as it reads.

    >>> number_text(0.123456), number_text(float("nan")), number_text(None), number_text(12)
    ('0.1235', 'n/a', 'n/a', '12')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
