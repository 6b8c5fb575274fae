"""One trial of a search: settings suggested by Optuna, a run trained on the validation split's training part and
scored on its validation rows; poor trials pruned from their per-epoch validation -ELBO (or the objective's own
bound, where early stopping follows it), where the criterion declares that the -ELBO foretells it.

    value = TrialRunner(config, held, space, criterion, out_dir)(trial)   # what study.optimize calls

Trial 0 of a new study trains the settings as given, nothing searched: the untuned defaults, the figure every
tuned one is compared with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna
from tqdm.auto import tqdm

from vaekit.config import Config
from vaekit.core.errors import VaekitError
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Tunable
from vaekit.data.dataset import Dataset
from vaekit.model.size import allocation_error
from vaekit.training.loop import train
from vaekit.tuning.criteria import Criterion
from vaekit.tuning.row_values import save_row_values
from vaekit.tuning.space import trial_settings

DEFAULTS = "defaults"  # the user attribute that marks the trial of the settings as given


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) stopped a trial's training; the study keeps every finished trial."""


class TrialRunner:
    def __init__(self, config: Config, held: Dataset, space: dict[str, Tunable], criterion: Criterion,
                 out_dir: Path, progress: bool = True) -> None:
        self.config, self.held, self.space, self.criterion = config, held, space, criterion
        self.out_dir, self.progress = out_dir, progress

    def __call__(self, trial: optuna.Trial) -> float:
        as_given = bool(trial.user_attrs.get(DEFAULTS))
        values: dict[str, Any] = {} if as_given else {name: t.suggest(trial, name) for name, t in self.space.items()}
        run_dir = self.out_dir / "trials" / f"{trial.number:04d}"
        trial.set_user_attr("run", str(run_dir))
        trial.set_user_attr("settings", values)

        # what early stopping follows: the -ELBO, or the objective's own bound where it says so (objectives/base.py)
        followed = OBJECTIVES.get(self.config.objective.name).followed_column(self.config.objective)

        def judge(row: dict[str, float]) -> None:
            trial.report(row[followed], int(row["epoch"]))
            # the defaults are the reference: never pruned; nor is a trial whose criterion the -ELBO does not foretell
            if not as_given and self.criterion.elbo_foretells and trial.should_prune():
                trial.set_user_attr("pruned_at", int(row["epoch"]))
                raise optuna.TrialPruned(f"pruned at epoch {int(row['epoch'])}")

        try:
            config = self.config.with_overrides(trial_settings(values))
            run = train(config, run_dir, progress=False, data=self.held, pictures=False, on_epoch=judge)
        except optuna.TrialPruned:
            self._say(trial, f"pruned at epoch {trial.user_attrs['pruned_at']}", values)
            raise
        except VaekitError as error:  # this trial's settings failed (diverged, say): the search goes on
            trial.set_user_attr("error", str(error))
            self._say(trial, f"failed: {error}", values)
            raise
        except (MemoryError, RuntimeError) as error:
            # settings that passed training's memory check (a lower bound) and still ran out: this trial fails
            # with one line, as one that does not fit at all, and the search goes on
            short = allocation_error(error)
            if short is None:
                raise
            failed = VaekitError(f"out of memory training these settings ({str(error).splitlines()[0]}); narrow "
                                 "--space to smaller sizes")
            trial.set_user_attr("error", str(failed))
            self._say(trial, f"failed: {failed}", values)
            raise failed from None
        if run.interrupted:
            raise Interrupted()
        try:
            measured = self.criterion.measure(run, self.held)
        except VaekitError as error:  # the criterion refused this model: said, and the search goes on
            trial.set_user_attr("error", str(error))
            self._say(trial, f"failed: {error}", values)
            raise
        value = float(measured.mean())
        if measured.dim() == 1:  # each row's part: the summary tells a real gain over trial 0 from noise
            save_row_values(run_dir, measured)
        self._say(trial, f"{value:.4g}", values)
        return value

    def _say(self, trial: optuna.Trial, outcome: str, values: dict[str, Any]) -> None:
        if not self.progress:
            return
        shown = "settings as given" if trial.user_attrs.get(DEFAULTS) else \
            ", ".join(f"{name} {_short(value)}" for name, value in values.items())
        tqdm.write(f"trial {trial.number}: {outcome} ({shown})")


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
