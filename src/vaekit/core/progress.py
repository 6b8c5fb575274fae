"""Progress bars only where someone watches them draw: on a terminal (or a notebook's widget).

A bar redraws itself with carriage returns; written to a log file or a CI console every redraw becomes text, and
a ten-epoch run floods it. Without a terminal a run prints its plain per-epoch lines only.

    bar = tqdm(total=steps, disable=not (progress and bars_drawn()))
"""

from __future__ import annotations

import sys


def bars_drawn() -> bool:
    """True when stderr (where tqdm draws) is a terminal, or when tqdm.auto picked the notebook widget."""
    from tqdm.auto import tqdm

    if any(kind.__module__ == "tqdm.notebook" for kind in tqdm.__mro__):  # Jupyter: a widget, no carriage returns
        return True
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def say_stage(text: str, shown: bool = True) -> None:
    """One line on stderr as a long step starts ("evaluate: Frechet distance, training a classifier of this data
    ..."), so that a log shows where a command is and a terminal is never silent for minutes. Written through tqdm,
    so that a bar being drawn is not broken by it."""
    if shown:
        from tqdm.auto import tqdm

        tqdm.write(f"{text} ...", file=sys.stderr)
