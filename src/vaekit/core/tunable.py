"""A setting's search range, as a part declares it for `vaekit tune`:

    @OBJECTIVES.register("iwae")
    class IWAE(Objective):
        tunable = {"iw_samples": Span(2, 20, integer=True)}

    Span(1e-4, 3e-3, log=True)        # a float drawn on a log scale
    Span(2, 64, integer=True, log=True)
    Options(32, 64, 128, 256)         # one of these values
    Widths(32, 512, layers=(1, 3))    # a list of equal widths: [w] * depth, the MLP's hidden layers

Each one suggests its value through an Optuna trial (`suggest(trial, name)`, Optuna's own `suggest_*` calls: the
parts need not import Optuna) and can be narrowed by the user's text (`narrowed("1e-4:1e-3")`, `narrowed("64|128")`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from vaekit.core.errors import ConfigError


@dataclass(frozen=True)
class Span:
    """A number between low and high (both included), on a log scale when log."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ConfigError(f"a search range needs low <= high, got {self.low}:{self.high}")
        if self.log and self.low <= 0:
            raise ConfigError(f"a log-scale search range needs low > 0, got {self.low}:{self.high}")
        if self.integer and (self.low != int(self.low) or self.high != int(self.high)):
            raise ConfigError(f"this setting is a whole number: give whole bounds, got {self.low}:{self.high}")

    def suggest(self, trial: Any, name: str) -> float | int:
        if self.integer:
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, self.low, self.high, log=self.log)

    def narrowed(self, text: str) -> Span:
        low, high = _bounds(text, self.integer)
        return replace(self, low=low, high=high, log=self.log and low > 0)

    def __str__(self) -> str:
        return f"{self.low:g}:{self.high:g}{' (log)' if self.log else ''}"


@dataclass(frozen=True)
class Options:
    """One of a few values."""

    values: tuple[Any, ...]

    def __init__(self, *values: Any) -> None:
        if not values:
            raise ConfigError("a search over choices needs at least one value")
        object.__setattr__(self, "values", tuple(values))

    def suggest(self, trial: Any, name: str) -> Any:
        return trial.suggest_categorical(name, list(self.values))

    def narrowed(self, text: str) -> Options:
        kind = type(self.values[0])
        try:
            values = [kind(part.strip()) for part in text.split("|") if part.strip()]
        except ValueError:
            raise ConfigError(f"the choices {text!r} must be {kind.__name__} values separated by |") from None
        return Options(*values)

    def __str__(self) -> str:
        return "|".join(map(str, self.values))


@dataclass(frozen=True)
class Widths:
    """Hidden layers of equal width: a width (log scale) and a number of layers, suggested as NAME_width and
    NAME_layers; narrowing gives the width's range, "64:256", or also the layers', "64:256x1:2"."""

    low: int
    high: int
    layers: tuple[int, int] = (1, 3)

    def suggest(self, trial: Any, name: str) -> list[int]:
        width = trial.suggest_int(f"{name}_width", self.low, self.high, log=True)
        return [width] * trial.suggest_int(f"{name}_layers", *self.layers)

    def narrowed(self, text: str) -> Widths:
        width, _, layers = text.partition("x")
        low, high = _bounds(width, integer=True)
        if low < 1:
            raise ConfigError(f"hidden widths are 1 or more, got {width!r}")
        depth = self.layers if not layers else tuple(int(v) for v in _bounds(layers, integer=True))
        if depth[0] < 1:
            raise ConfigError(f"hidden layers are 1 or more, got {layers!r}")
        return Widths(int(low), int(high), depth)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"width {self.low}:{self.high} (log) x layers {self.layers[0]}:{self.layers[1]}"


Tunable = Span | Options | Widths


def _bounds(text: str, integer: bool) -> tuple[float, float]:
    """"LOW:HIGH", or one value (the range of one value), as numbers."""
    low_text, _, high_text = text.partition(":")
    try:
        low = float(low_text)
        high = float(high_text) if high_text.strip() else low
    except ValueError:
        raise ConfigError(f"a search range is LOW:HIGH (numbers), got {text!r}") from None
    if integer and (low != int(low) or high != int(high)):
        raise ConfigError(f"this setting is a whole number: give whole bounds, got {text!r}")
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ConfigError(f"a search range needs finite LOW <= HIGH, got {text!r}")
    return (int(low), int(high)) if integer else (low, high)
