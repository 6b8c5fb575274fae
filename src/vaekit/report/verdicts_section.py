"""The report's "Against the simple baselines" section: every verdict a command kept in the run (RUN/verdicts.json:
cluster, predict, score, denoise, inpaint, impute --check), each figure beside the best baseline's, marked stale
when the run's weights changed after it was measured.

    verdicts_section(Path("runs/digits"))   # HTML, or None when no command kept a verdict
    kept_lines(Path("runs/digits"))         # the current (not stale) verdicts, one line each, for the model card
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from vaekit.core.errors import VaekitError
from vaekit.runs.verdicts import read_verdicts
from vaekit.tasks.baselines.verdict import figure
from vaekit.tasks.evaluation.provenance import MODEL_FILE, file_sha256, stale_reason

WINNERS = {"vaekit": "vaekit", "baseline": "the baseline", "tie": "a tie", "none": "no comparison"}


def _weights(run_dir: Path) -> str | None:
    """The SHA-256 of the run's model.safetensors, read once for every verdict; None where it cannot be read."""
    try:
        return file_sha256(run_dir / MODEL_FILE)
    except VaekitError:
        return None


def _stale(run_dir: Path, entry: dict[str, Any], weights: str | None) -> str | None:
    """Why a verdict is not the current model's, worded as an evaluation's staleness (provenance.stale_reason)."""
    if weights is None and isinstance(entry.get("weights_sha256"), str):
        return f"the run's {MODEL_FILE} cannot be read"
    return stale_reason(run_dir, entry, weights)


def _number(value: Any) -> str:
    """A figure as the verdict prints it; n/a for what is not a finite number (a hand-edited file)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "n/a"
    try:
        return figure(float(value)) if math.isfinite(float(value)) else "n/a"
    except OverflowError:
        return "n/a"


def _row(run_dir: Path, subject: str, entry: dict[str, Any], weights: str | None) -> str:
    baselines = entry.get("baselines") if isinstance(entry.get("baselines"), dict) else {}
    best = entry.get("best_baseline")
    theirs = f"{_number(baselines.get(best))} ({best})" if isinstance(best, str) and best in baselines else "n/a"
    winner = WINNERS.get(str(entry.get("winner")), "n/a")
    stale = _stale(run_dir, entry, weights)
    flag = "" if stale is None else f"<br><span class=stale>stale: {html.escape(stale)}</span>"
    rows = ", ".join(str(entry.get(key)) for key in ("data", "setting") if entry.get(key))
    cells = [subject, str(entry.get("metric", "")), _number(entry.get("vaekit")), theirs, winner, rows,
             str(entry.get("recorded", ""))]
    return "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells[:-1]) + \
        f"<td>{html.escape(cells[-1])}{flag}</td></tr>"


def verdicts_section(run_dir: Path) -> str | None:
    """A table of the kept verdicts (vaekit's figure, the best baseline's, who won, on which rows, when), then
    every baseline's figure per verdict; None when there are none."""
    found = read_verdicts(run_dir)
    if not found:
        return None
    weights = _weights(run_dir)
    head = "".join(f"<th>{name}</th>" for name in ("answer", "metric", "vaekit", "best baseline", "winner",
                                                    "rows and setting", "measured"))
    rows = "".join(_row(run_dir, subject, entry, weights) for subject, entry in sorted(found.items()))
    details = "".join(
        f"<li>{html.escape(subject)}: " + ", ".join(
            f"{html.escape(str(name))} {_number(value)}" for name, value in entry["baselines"].items())
        + "</li>" for subject, entry in sorted(found.items()) if isinstance(entry.get("baselines"), dict))
    return (f"<table><tr>{head}</tr>{rows}</table><p class=note>Every baseline, fitted on the run's training split "
            f"and measured on the same rows:</p><ul>{details}</ul>")


def kept_lines(run_dir: Path) -> list[str]:
    """`- subject: verdict line (on rows, setting)` for each kept verdict of the run's current weights."""
    found = read_verdicts(run_dir)
    weights = _weights(run_dir) if found else None
    return [f"- {subject}: {entry['verdict']} (on "
            + ", ".join(str(entry.get(key)) for key in ("data", "setting") if entry.get(key)) + ")"
            for subject, entry in sorted(found.items())
            if isinstance(entry.get("verdict"), str) and _stale(run_dir, entry, weights) is None]
