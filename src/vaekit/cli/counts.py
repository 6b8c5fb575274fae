"""Checks of the counts commands take (-n, --steps, --k, --batch-size) and of seeds, run while the flags are parsed.

    @click.option("-n", "--count", default=32, callback=at_least(1))

Each raises VaekitError, so a bad count is one `error: ...` line and exit status 2 like any other bad input,
before a run is loaded. A negative count would otherwise slice from the end (`x[:-3]`, every row but three) and
zero would make an empty picture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from vaekit.config.fields import check_importance_samples, check_seed
from vaekit.core.errors import VaekitError


def at_least(low: int) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback refusing values below `low` with the flag's name."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value < low:
            name = max(param.opts, key=len)
            raise VaekitError(f"{name} must be at least {low}, got {value}")
        return value

    return check


def seed_check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The callback of every --seed flag: 0 to 2**63 - 1 (config/fields.py check_seed, as train's --seed), so a
    seed too large for torch is one line here, not an overflow inside a generator after the run is loaded."""
    if value is not None:
        at_least(0)(ctx, param, value)
        check_seed(max(param.opts, key=len), value)
    return value


def importance_samples(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The callback of every --k flag: 1 to MAX_IMPORTANCE_SAMPLES (config/fields.py, where the bound says why)."""
    if value is not None:
        at_least(1)(ctx, param, value)
        check_importance_samples(max(param.opts, key=len), value)
    return value
