"""Which won: vaekit's figure or the simple method a user would try first, in one line worded the same by every
command.

    found = verdict("AUROC", 0.91, {"PCA reconstruction error": 0.88, "IsolationForest": 0.85})
    found.line        # 'verdict: vaekit wins (AUROC 0.91 vs 0.88, PCA reconstruction error)'
    found.as_dict()   # what the command writes into its JSON
    verdict("accuracy", 0.64, {"k-means on the inputs": 0.80}).line
                      # 'verdict: the baseline wins: k-means on the inputs (accuracy 0.8 vs 0.64)'

vaekit is compared with the best of the baselines: winning means beating every simple method, not the weakest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def figure(value: float) -> str:
    """A figure as the verdict prints it: four significant digits, enough to tell 0.912 from 0.913; n/a for one
    that could not be measured (NaN), as the evaluation tables show it (tasks/evaluation/estimates.py)."""
    return "n/a" if math.isnan(value) else f"{value:.4g}"


@dataclass(frozen=True)
class Verdict:
    """vaekit's figure against the baselines' on one metric. `winner` is "vaekit", "baseline", "tie" (equal
    figures as printed) or "none" (no figure to compare); `best` names the best baseline."""

    metric: str
    vaekit: float
    baselines: dict[str, float]
    higher_is_better: bool
    winner: str
    best: str | None
    line: str

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "vaekit": _json(self.vaekit),
                "baselines": {name: _json(value) for name, value in self.baselines.items()},
                "higher_is_better": self.higher_is_better, "winner": self.winner, "best_baseline": self.best,
                "verdict": self.line}


def _json(value: float) -> float | None:
    return None if math.isnan(value) else float(value)  # JSON has no NaN


def verdict(metric: str, vaekit: float, baselines: dict[str, float], higher_is_better: bool = True,
            about: str | None = None) -> Verdict:
    """Compare vaekit's `metric` with the best of `baselines` (name -> figure; NaN figures are left out).
    `about` names what is compared when a command prints several verdicts ("verdict (iw): ...")."""
    head = "verdict" if about is None else f"verdict ({about})"
    vaekit = float(vaekit)
    known = {name: float(value) for name, value in baselines.items() if not math.isnan(float(value))}
    if math.isnan(vaekit) or not known:
        line = f"{head}: no comparison ({metric} could not be measured for vaekit or for any baseline)"
        return Verdict(metric, vaekit, dict(baselines), higher_is_better, "none", None, line)
    pick = max if higher_is_better else min
    best = pick(known, key=lambda name: known[name])
    ours, theirs = figure(vaekit), figure(known[best])
    if ours == theirs:  # equal as printed: calling either the winner would overstate a rounding difference
        winner, line = "tie", f"{head}: a tie with {best} ({metric} {ours} vs {theirs})"
    elif (vaekit > known[best]) == higher_is_better:
        winner, line = "vaekit", f"{head}: vaekit wins ({metric} {ours} vs {theirs}, {best})"
    else:
        winner, line = "baseline", f"{head}: the baseline wins: {best} ({metric} {theirs} vs {ours})"
    return Verdict(metric, vaekit, dict(baselines), higher_is_better, winner, best, line)


def comparison_lines(found: Verdict, vaekit_name: str) -> list[str]:
    """The figures one under the other (vaekit's first), then the verdict: what a command prints."""
    names = [f"vaekit ({vaekit_name})", *found.baselines]
    width = max(len(name) for name in names)
    values = [found.vaekit, *found.baselines.values()]
    rows = [f"  {name:<{width}}  {found.metric} {figure(value)}" for name, value in zip(names, values)]
    return [*rows, found.line]
