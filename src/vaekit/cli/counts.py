"""Checks of the counts commands take (-n, --steps, --k, --batch-size), run while the flags are parsed.

    @click.option("-n", "--count", default=32, callback=at_least(1))

Each raises VaekitError, so a bad count is one `error: ...` line and exit status 2 like any other bad input,
before a run is loaded. A negative count would otherwise slice from the end (`x[:-3]`, every row but three) and
zero would make an empty picture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from vaekit.core.errors import VaekitError


def at_least(low: int) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A click callback refusing values below `low` with the flag's name."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None and value < low:
            name = max(param.opts, key=len)
            raise VaekitError(f"{name} must be at least {low}, got {value}")
        return value

    return check
