"""How an estimator gets its model: one training run, or, given a tuning budget, the best run of a search.

    model = fit_model(config, data, progress=False)                      # train once, as configured
    model = fit_model(config, data, progress=False, tune_trials=20)      # search (vaekit.tuning), refit the best

With a budget the estimator's own settings (latent_dim, hidden, lr, batch_size) are trial 0, the untuned
reference, and are searched; what `fixed` names (the settings in the estimator's `config=`) is not. The search
carves its validation rows out of data's training split, as `vaekit tune` does; the settings it keeps are then
trained again on every training row (scikit-learn's GridSearchCV refits the same way): on a few hundred rows the
fifth the search held out is data the model should not go without. `fit(config, folder)` says how the settings
are trained, untuned or kept, when one plain run is not the estimator's way (the imputer's: hidden_entries.py).
A criterion whose figure is the trained model's
own, not its settings' (clustering: tuning/criteria.py), keeps the best trial's model as the search scored it.
`fit_members` trains the settings (given, or kept by a search) several times from successive seeds: an ensemble.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vaekit.config import SECTIONS, Config
from vaekit.core.errors import VaekitError
from vaekit.data.dataset import Dataset
from vaekit.model.vae import VAE
from vaekit.runs.run import Run
from vaekit.training.loop import train
from vaekit.tuning import tune
from vaekit.tuning.criteria import criterion_of
from vaekit.tuning.space import trial_settings


def fit_model(config: Config, data: Dataset, progress: bool, tune_trials: int = 0, tune_minutes: float | None = None,
              fixed: frozenset[str] = frozenset(), criterion: str = "nll",
              fit: Callable[[Config, Path], VAE] | None = None) -> VAE:
    fit = fit or (lambda settings, folder: _one_run(settings, folder, data, progress))
    with tempfile.TemporaryDirectory() as folder:
        if not tune_trials and tune_minutes is None:
            return fit(config, Path(folder) / "run")
        result = tune(config, folder, trials=tune_trials or None, minutes=tune_minutes, fixed=set(fixed),
                      criterion=criterion, seed=config.train.seed, progress=progress, data=data, pictures=False)
        if result.best_run is None:
            raise VaekitError("no tuning trial finished within the budget; give more tune_minutes or tune_trials")
        if not criterion_of(criterion).refit:
            return Run.open(result.best_run).load_model()
        chosen = config.with_overrides(trial_settings(result.best_settings))
        return fit(chosen, Path(folder) / "refit")


def fit_members(config: Config, data: Dataset, progress: bool, members: int, tune_trials: int = 0,
                tune_minutes: float | None = None, fixed: frozenset[str] = frozenset(),
                criterion: str = "nll") -> list[VAE]:
    """`members` VAEs of the same settings, trained from the seeds train.seed, train.seed + 1, ... (Lakshminarayanan
    et al. 2017's deep ensembles: the members differ only in their initialisation and the order of their batches).
    A search, given a budget, runs once and its kept settings are the members'; a criterion that keeps the best
    trial's own model (no refit) gives that one model."""
    models: list[VAE] = []

    def each_seed(settings: Config, folder: Path) -> VAE:
        for member in range(members):
            seeded = settings.with_overrides({"train": {"seed": settings.train.seed + member}})
            models.append(_one_run(seeded, folder / f"member{member}", data, progress))
        return models[0]
    first = fit_model(config, data, progress, tune_trials, tune_minutes, fixed, criterion, fit=each_seed)
    return models or [first]


def _one_run(settings: Config, folder: Path, data: Dataset, progress: bool) -> VAE:
    """The model of one training run of `settings` on `data` in `folder` (no pictures: an estimator draws none)."""
    return train(settings, folder, progress, data=data, pictures=False).model


def place_settings(sections: dict[str, dict[str, Any]], settings: dict[str, Any], owner: str) -> dict:
    """`sections` with each keyword setting put in the config section that has a field of its name; a name no
    section has is a VaekitError naming `owner` (the estimator)."""
    for key, value in settings.items():
        section = next((name for name, kind in SECTIONS.items()
                        if key in {f.name for f in dataclasses.fields(kind)}), None)
        if section is None:
            raise VaekitError(f"{owner} has no setting {key!r}")
        sections.setdefault(section, {})[key] = value
    return sections


def config_keys(sections: dict[str, dict[str, object]] | None) -> frozenset[str]:
    """The settings an estimator's `config=` sections name: fixed in a search."""
    return frozenset(name for section, values in (sections or {}).items() if section != "data" for name in values)


def widths(hidden: tuple[int, ...] | list[int] | str) -> list[int] | str:
    """An estimator's `hidden` as the config takes it: a list of widths, or "auto" (sized for the data's rows)."""
    return hidden if isinstance(hidden, str) else list(hidden)
