"""What a search found, written where the user looks: OUT/tune.json (every trial, the best, the defaults'
figure), OUT/history.png and OUT/importance.png, OUT/best (a link to the best trial's run directory), and that
run's own pictures.

    result = write_summary(study, out, criterion, held, what)
    result.best_run, result.best_value, result.defaults_value, result.importances
    result.passed_over   # the lowest trial, where its gain over the settings as given was within the noise

"Best" is the lowest trial only when it beat trial 0 (the settings as given) by more than the noise of their paired
difference on the validation rows (tuning/row_values.py); otherwise the settings as given are kept, and said so.
`keep_lowest=True` keeps the lowest regardless.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import optuna

from vaekit.core.io import write_json
from vaekit.data.dataset import Dataset
from vaekit.plots.tuning import save_importances, save_study_history
from vaekit.runs.run import Run
from vaekit.tasks.run_pictures import write_pictures
from vaekit.tuning.criteria import Criterion
from vaekit.tuning.row_values import clear_gain
from vaekit.tuning.trial import DEFAULTS

SUMMARY_FILE = "tune.json"
STATES = {optuna.trial.TrialState.COMPLETE: "complete", optuna.trial.TrialState.PRUNED: "pruned",
          optuna.trial.TrialState.FAIL: "fail", optuna.trial.TrialState.RUNNING: "running",
          optuna.trial.TrialState.WAITING: "waiting"}


@dataclass
class TuneResult:
    out_dir: Path
    criterion: str
    best_run: Path | None = None  # the best complete trial's run directory (None: no trial finished)
    best_value: float | None = None
    best_settings: dict[str, Any] = field(default_factory=dict)
    defaults_value: float | None = None  # trial 0, the settings as given (None: it did not finish)
    importances: dict[str, float] = field(default_factory=dict)
    trials: list[dict[str, Any]] = field(default_factory=list)
    # the lowest trial, not kept: {"trial", "value", "gain", "noise"}, its gain over trial 0 within the noise
    passed_over: dict[str, Any] | None = None

    def verdict(self) -> str:
        """One line: the best against the untuned settings, on the validation split."""
        if self.best_value is None:
            return "no trial finished yet: run the same command again to go on"
        number = int(self.best_run.name) if self.best_run is not None else "?"
        line = f"best: trial {number}, {self.criterion} {self.best_value:.4g}"
        if self.passed_over is not None:
            lowest = self.passed_over
            return (f"{line}, the settings as given: trial {lowest['trial']} was {lowest['gain']:.3g} lower "
                    f"({lowest['value']:.4g}), within the noise of the validation rows (±{lowest['noise']:.3g})")
        if self.defaults_value is not None:
            gain = self.defaults_value - self.best_value
            line += (f", {gain:.4g} better than the settings as given ({self.defaults_value:.4g})" if gain > 0 else
                     f"; the settings as given were best ({self.defaults_value:.4g})")
        return line


def write_summary(study: optuna.Study, out: Path, criterion: Criterion, held: Dataset,
                  what: dict[str, Any], pictures: bool = True, keep_lowest: bool = False) -> TuneResult:
    rows = [_row(trial) for trial in study.get_trials(deepcopy=False)]
    complete = [row for row in rows if row["state"] == "complete" and _finite(row["value"])]
    result = TuneResult(out, criterion.label, trials=rows)
    if complete:
        best = min(complete, key=lambda row: row["value"])
        given = next((row for row in complete if row["defaults"]), None)
        result.defaults_value = None if given is None else given["value"]
        if given is not None and best is not given and not keep_lowest:
            gain = clear_gain(Path(best["run"]), Path(given["run"]))
            if gain is not None and not gain.clear:
                result.passed_over = {"trial": best["number"], "value": best["value"], "gain": gain.gain,
                                      "noise": gain.noise}
                best = given
        result.best_run, result.best_value, result.best_settings = Path(best["run"]), best["value"], best["settings"]
        result.importances = _importances(study)
    write_json(out / SUMMARY_FILE, {**{k: v for k, v in asdict(result).items() if k != "out_dir"},
                                    "best_run": None if result.best_run is None else str(result.best_run),
                                    "searched": what, "verdict": result.verdict()})
    save_study_history([(row["number"], row["value"] if row["value"] is not None else row["last_reported"],
                         row["state"]) for row in rows if row["state"] in ("complete", "pruned", "fail")],
                       "lower", criterion.label, out / "history.png",
                       given=next((row["number"] for row in rows if row["defaults"]), None))
    save_importances(result.importances, out / "importance.png")
    if result.best_run is not None:
        _link(out / "best", result.best_run)
        if pictures:
            _pictures(result.best_run, held)
    return result


def _pictures(run_dir: Path, held: Dataset) -> None:
    """The best run's own pictures, of its validation rows (the labelled ones, where some are unlabelled: -1)."""
    x, y = held.test_x, held.test_y
    if y is not None and bool((y < 0).any()):
        known = y >= 0
        x, y = (x[known], y[known]) if bool(known.any()) else (x, None)
    run = Run.open(run_dir)
    write_pictures(run.load_model(), x, y, run_dir, run.metrics, held.class_names, columns=held.columns)


def _row(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    reported = trial.intermediate_values
    return {"number": trial.number, "state": STATES.get(trial.state, str(trial.state)), "value": trial.value,
            "defaults": bool(trial.user_attrs.get(DEFAULTS)), "settings": trial.user_attrs.get("settings", {}),
            "run": trial.user_attrs.get("run"), "error": trial.user_attrs.get("error"),
            "last_reported": reported[max(reported)] if reported else None,
            "epochs": max(reported) if reported else 0}


def _importances(study: optuna.Study) -> dict[str, float]:
    """fANOVA importances over the searched trials (the trial of the settings as given has no parameters)."""
    searched = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
                if t.params and _finite(t.value)]
    if len(searched) < 2:
        return {}
    names = sorted(set.intersection(*(set(t.params) for t in searched)))
    if not names:
        return {}
    view = optuna.create_study(direction="minimize")  # in memory: the searched trials only
    view.add_trials(searched)
    try:
        found = optuna.importance.get_param_importances(view, params=names,
                                                        evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
    except (RuntimeError, ValueError):  # too little variation to tell
        return {}
    return {name: float(value) for name, value in found.items()}


def _link(path: Path, target: Path) -> None:
    """OUT/best -> trials/NNNN, replaced atomically (a relative link: the folder can move)."""
    spare = path.with_name(f".{path.name}.{os.getpid()}")
    spare.unlink(missing_ok=True)
    spare.symlink_to(os.path.relpath(target.resolve(), path.parent.resolve()), target_is_directory=True)
    os.replace(spare, path)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
