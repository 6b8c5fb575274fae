"""The Optuna study a search lives in: stored in SQLite (or any storage URL Optuna takes), so that it resumes after
Ctrl-C and several workers (processes, or machines sharing the URL) search it together.

    study = open_study("sqlite:///runs/tuned/study.db", "vaekit", seed=0, what={"criterion": "nll", ...})

The study records what it searches (`what`: the criterion, the space, the data, the validation split); a later
command that would search something else in the same study is refused, in one line, instead of mixing trials.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import optuna

from vaekit.core.errors import ConfigError

HEARTBEAT_SECONDS = 10  # a running trial's worker says it is alive this often ...
GRACE_SECONDS = 60  # ... and a trial silent this long (its worker killed) is marked failed by the next worker
STARTUP_TRIALS = 4  # trials sampled at random before TPE models the space, and before any pruning
WARMUP_EPOCHS = 2  # epochs a trial trains before the pruner judges it


def open_study(storage_url: str, name: str, seed: int, what: dict[str, Any]) -> optuna.Study:
    """The study `name` at `storage_url`, created or opened; refused when it searches something other than `what`."""
    # vaekit prints one line per trial itself, a failed one's reason included (Optuna's would add its traceback)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():  # the heartbeat is marked experimental in Optuna; it is what resumes need
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = optuna.storages.RDBStorage(storage_url, heartbeat_interval=HEARTBEAT_SECONDS,
                                                 grace_period=GRACE_SECONDS)
    except Exception as error:  # SQLAlchemy's errors for a bad URL, a folder it cannot write, a missing driver
        raise ConfigError(f"cannot open the study storage {storage_url}: {str(error).splitlines()[0]}") from None
    study = optuna.create_study(
        storage=storage, study_name=name, direction="minimize", load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=STARTUP_TRIALS),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=STARTUP_TRIALS, n_warmup_steps=WARMUP_EPOCHS))
    recorded = study.user_attrs.get("vaekit")
    wanted = json.loads(json.dumps(what))  # as the storage gives it back: lists, not tuples
    if recorded is None:
        study.set_user_attr("vaekit", wanted)
    elif recorded != wanted:
        changed = sorted(key for key in set(recorded) | set(wanted) if recorded.get(key) != wanted.get(key))
        raise ConfigError(f"the study {name!r} in {storage_url} searched other settings ({', '.join(changed)} "
                          "differ); run the command that started it to go on, or give another --out or --study-name")
    return study


def finished(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The trials that count toward the budget: complete and pruned ones (not failed or running)."""
    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,
                                                    optuna.trial.TrialState.PRUNED))
