"""`vaekit tune`: search the settings the chosen parts declare tunable, scored on a validation split carved out of
the training split (the test split is never looked at), with Optuna.

    result = tune({"data": {"source": "digits"}, "train": {"epochs": 30}}, "runs/tuned", trials=20)
    result.best_run        # runs/tuned/trials/0007: an ordinary run directory, trained with the best settings
    result.best_settings   # {"lr": 0.0021, "latent_dim": 12, "hidden": [128, 128], ...}
    result.defaults_value  # trial 0: the settings as given, untuned, on the same validation rows
    result.passed_over     # the lowest trial where its gain over trial 0 was within the noise: trial 0 is kept

Settings the caller gave are fixed (`fixed`, by default those in the dict, or those that differ from the defaults of
a Config); `space` narrows a declared range ({"lr": "1e-4:1e-3"}). The budget is `trials` (finished trials in the
study, whoever ran them) and/or `minutes` (this worker's time). The study is stored in OUT/study.db: the same
command again goes on where it stopped, and several at once search it together.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
from pathlib import Path
from typing import Any

import optuna

from vaekit.config import SECTIONS, Config
from vaekit.config.fields import check_seed
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.core.tunable import Span, Tunable, Widths
from vaekit.data.dataset import Dataset
from vaekit.data.validation import validation_split
from vaekit.model.build import resolve_auto
from vaekit.model.size import GB, device_memory, model_sizes, training_bytes
from vaekit.parts import check_config
from vaekit.training.auto_settings import auto_batch
from vaekit.training.data_source import load_training_data
from vaekit.training.device import pick_device
from vaekit.tuning.criteria import criterion_of
from vaekit.tuning.space import SECTION_OF, search_space, trial_settings
from vaekit.tuning.study import finished, open_study
from vaekit.tuning.summary import TuneResult, write_summary
from vaekit.tuning.trial import DEFAULTS, TrialRunner

# Trials a study may be asked to reach: each trains a run, so even at a second a trial 100,000 is more than a day of
# searching, where published searches stop at a few hundred; a larger count is a typo, refused before any work.
MAX_TRIALS = 100_000


def tune(config: Config | dict[str, Any], out_dir: str | Path, trials: int | None = 20,
         minutes: float | None = None, space: dict[str, str] | None = None, fixed: set[str] | None = None,
         criterion: str = "nll", validation: float = 0.2, storage: str | None = None, study_name: str = "vaekit",
         seed: int = 0, progress: bool = True, data: Dataset | None = None, pictures: bool = True,
         keep_lowest: bool = False) -> TuneResult:
    """Search settings for `config`'s data and parts; write OUT/tune.json, history.png, importance.png and the
    best trial's run (OUT/best). Returns what was found (tuning/summary.py TuneResult). `data`: an in-memory
    Dataset to search on instead of loading config.data.source (the estimators do this); its training split is
    the one carved. `pictures=False` leaves out the best run's own pictures (the study's two are always drawn).
    The best is the lowest trial where it beat trial 0 by more than the validation rows' noise, else trial 0
    (tuning/summary.py); `keep_lowest=True` keeps the lowest regardless."""
    if trials is None and minutes is None:
        raise ConfigError("give a budget: a number of trials, minutes, or both")
    if trials is not None and (isinstance(trials, bool) or not isinstance(trials, int) or trials < 1):
        raise ConfigError(f"trials must be a whole number of at least 1, got {trials!r}")
    if trials is not None and trials > MAX_TRIALS:
        raise ConfigError(f"trials must be at most {MAX_TRIALS:,}, got {trials}")
    if not isinstance(config, dict | Config):
        raise VaekitError(f"config must be a mapping of sections or a vaekit.Config, got {type(config).__name__}")
    check_seed("seed", seed)
    if minutes is not None and not minutes > 0:
        raise ConfigError(f"minutes must be more than 0, got {minutes!r}")
    scored_by = criterion_of(criterion)
    given = fixed if fixed is not None else _given(config)
    config = check_config(Config.from_dict(config) if isinstance(config, dict) else copy.deepcopy(config).validate())
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise VaekitError(f"--out {out} is a file, not a directory")
    data, stream = (data, None) if data is not None else load_training_data(config)
    if stream is not None:
        raise ConfigError(f"{config.data.source} is streamed from disk; a search trains on it many times, in memory: "
                          "tune on a sample of it, or with --streaming off if it fits")
    held = validation_split(data, validation, config.data.split_seed, scores_labels=scored_by.needs_labels)
    if scored_by.check is not None:
        scored_by.check(held, config)
    settled = copy.deepcopy(config)
    # the parts whose settings are searched
    resolve_auto(settled.model, data.kind, data.column_types, tuple(data.shape), data.within_unit_interval)
    searched = search_space(settled, frozenset(given), space)
    if not searched:
        raise ConfigError("nothing to search: every setting this model would search is given (fixed); leave out "
                          "some of them (lr, batch_size, latent_dim, hidden, ...)")
    check_narrowed_tops_fit(settled, data, {name: searched[name] for name in (space or {}) if name in searched})
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    what = {"data": data.source, "criterion": criterion, "validation": validation,
            "space": {name: str(t) for name, t in searched.items()},
            # the fixed settings with their values: going on with another --epochs would mix two searches
            "fixed": {name: getattr(getattr(config, SECTION_OF[name]), name) for name in sorted(given)
                      if name in SECTION_OF}}
    try:
        study = open_study(storage or f"sqlite:///{(out / 'study.db').resolve()}", study_name, seed, what)
    except ConfigError:
        if created:  # a storage that cannot be opened leaves no folder behind
            shutil.rmtree(out, ignore_errors=True)
        raise
    if not _has_reference(study):  # trial 0 of a new study (or again, if it failed): the settings as given
        study.enqueue_trial({}, user_attrs={DEFAULTS: True})
    runner = TrialRunner(config, held, searched, scored_by, out, progress)
    callbacks = [] if trials is None else [optuna.study.MaxTrialsCallback(
        trials, states=(optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED))]
    left = None if trials is None else trials - len(finished(study))
    try:
        if left is None or left > 0:
            study.optimize(runner, n_trials=left, timeout=None if minutes is None else minutes * 60,
                           callbacks=callbacks, catch=(VaekitError,), gc_after_trial=True)
    finally:  # also after Ctrl-C: what was found so far is written
        result = write_summary(study, out, scored_by, held, what, pictures, keep_lowest)
    return result


def _has_reference(study: optuna.Study) -> bool:
    """Whether the study has the trial of the settings as given, finished or under way (another worker's)."""
    alive = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
    return any(trial.user_attrs.get(DEFAULTS) for trial in study.get_trials(deepcopy=False, states=alive))


def _given(config: Config | dict[str, Any]) -> set[str]:
    """The settings a caller gave: a dict's keys, or a Config's fields that differ from their defaults. Data
    settings are never searched, so they are not listed."""
    if isinstance(config, dict):
        return {name for section, values in config.items() if section != "data" and isinstance(values, dict)
                for name in values}
    defaults = Config()
    return {item.name for section in SECTIONS if section != "data"
            for item in dataclasses.fields(SECTIONS[section])
            if getattr(getattr(config, section), item.name) != getattr(getattr(defaults, section), item.name)}


def _top(tunable: Tunable) -> Any:
    """The largest value a range can suggest (sizes grow with it); None for choices that are not numbers."""
    if isinstance(tunable, Span):
        return int(tunable.high) if tunable.integer else tunable.high
    if isinstance(tunable, Widths):
        return [tunable.high] * tunable.layers[1]
    numbers = [value for value in tunable.values if isinstance(value, int | float) and not isinstance(value, bool)]
    return max(numbers) if len(numbers) == len(tunable.values) else None


def check_narrowed_tops_fit(config: Config, data: Dataset, narrowed: dict[str, Tunable]) -> None:
    """A ConfigError, before the study's folder is made, when the tops of the ranges the user gave in --space
    (latent_dim=1:1000000000) would need more memory to train than the device has: the memory check training
    makes (model/size.py), on the meta device, so it costs no memory. Ranges as declared are left to each trial's
    own check (a trial that does not fit fails with that line and the search goes on); a combination that cannot
    be built at its tops is left to the trials too."""
    tops = {name: _top(tunable) for name, tunable in narrowed.items()}
    tops = {name: value for name, value in tops.items() if value is not None}
    if not tops:
        return
    try:
        top = config.with_overrides(trial_settings(tops))
        if top.train.batch_size == "auto":  # as training will settle it for these rows (training/auto_settings.py)
            top = top.with_overrides({"train": {"batch_size": auto_batch(len(data.train_x))}})
        sizes = model_sizes(top.model, data.shape, data.kind, data.num_classes,
                            None if data.column_types is None else (data.column_types, data.column_values),
                            data.vocabulary_size)
    except ConfigError:
        return
    memory = device_memory(pick_device(config.train.device))
    if sizes is None or memory is None:
        return
    need = training_bytes(top, data, *sizes)
    have, where = memory
    if need > have:
        given = ", ".join(f"{name}={value}" for name, value in tops.items())
        raise ConfigError(f"--space: at the top of its ranges ({given}) a trial needs at least {need / GB:.1f} GB "
                          f"to train, more than the {have / GB:.1f} GB of {where}; narrow the range")
