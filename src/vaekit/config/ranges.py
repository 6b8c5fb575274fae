"""The ranges of numeric settings, declared once per section and checked one setting at a time, so that the message
names the one setting that is out of range (not "a, b and c must be ...").

    check_ranges(cfg, {"code_dim": AT_LEAST_ONE, "ema_decay": Range(0, 1, high_open=True)})
    # ConfigError: ema_decay must be in [0, 1), got 1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from vaekit.core.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """low <= value <= high, either end open; a NaN is never in range."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below)

    def words(self) -> str:
        if self.high == math.inf:
            if self.low == 0:
                return "positive" if self.low_open else "zero or positive"
            return f"more than {self.low:g}" if self.low_open else f"at least {self.low:g}"
        return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


AT_LEAST_ONE = Range(1)
ZERO_OR_MORE = Range(0)
POSITIVE = Range(0, low_open=True)


def check_ranges(section: Any, ranges: dict[str, Range]) -> None:
    """A ConfigError naming the first setting of `section` outside its declared range."""
    for name, allowed in ranges.items():
        value = getattr(section, name)
        if not allowed.holds(value):
            raise ConfigError(f"{name} must be {allowed.words()}, got {value}")
