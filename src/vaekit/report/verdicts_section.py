"""The report's "Against the simple baselines" section: every verdict a command kept in the run (RUN/verdicts.json:
cluster, predict, score, denoise, inpaint, impute --check), each figure beside the best baseline's, marked stale
when the run's weights changed after it was measured.

    verdicts_section(Path("runs/digits"))   # HTML, or None when no command kept a verdict
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from vaekit.runs.verdicts import read_verdicts
from vaekit.tasks.baselines.verdict import figure
from vaekit.tasks.evaluation.provenance import stale_reason

WINNERS = {"vaekit": "vaekit", "baseline": "the baseline", "tie": "a tie", "none": "no comparison"}


def _number(value: Any) -> str:
    return figure(float(value)) if isinstance(value, (int, float)) else "n/a"


def _row(subject: str, entry: dict[str, Any], run_dir: Path) -> str:
    baselines = entry.get("baselines") if isinstance(entry.get("baselines"), dict) else {}
    best = entry.get("best_baseline")
    theirs = f"{_number(baselines.get(best))} ({best})" if best in baselines else "n/a"
    winner = WINNERS.get(str(entry.get("winner")), "n/a")
    stale = stale_reason(run_dir, entry)
    flag = "" if stale is None else f"<br><span class=stale>stale: {html.escape(stale)}</span>"
    cells = [subject, str(entry.get("metric", "")), _number(entry.get("vaekit")), theirs, winner,
             str(entry.get("data", "")), str(entry.get("recorded", ""))]
    return "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells[:-1]) + \
        f"<td>{html.escape(cells[-1])}{flag}</td></tr>"


def verdicts_section(run_dir: Path) -> str | None:
    """A table of the kept verdicts (vaekit's figure, the best baseline's, who won, on which rows, when), then
    every baseline's figure per verdict; None when there are none."""
    found = read_verdicts(run_dir)
    if not found:
        return None
    head = "".join(f"<th>{name}</th>" for name in ("answer", "metric", "vaekit", "best baseline", "winner", "rows",
                                                    "measured"))
    rows = "".join(_row(subject, entry, run_dir) for subject, entry in sorted(found.items()))
    details = "".join(
        f"<li>{html.escape(subject)}: " + ", ".join(
            f"{html.escape(str(name))} {_number(value)}" for name, value in (entry.get("baselines") or {}).items())
        + "</li>" for subject, entry in sorted(found.items()) if isinstance(entry.get("baselines"), dict))
    return (f"<table><tr>{head}</tr>{rows}</table><p class=note>Every baseline, fitted on the run's training split "
            f"and measured on the same rows:</p><ul>{details}</ul>")
