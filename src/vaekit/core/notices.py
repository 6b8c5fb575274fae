"""Notices: one `notice:` line on stderr saying what vaekit did on the user's behalf, and why (a speed option that
cannot apply here, recordings cut to a length, a setting chosen for the data)."""

from __future__ import annotations

import sys


def notice(text: str) -> None:
    """One `notice: ...` line on stderr, flushed at once."""
    print(f"notice: {text}", file=sys.stderr, flush=True)
