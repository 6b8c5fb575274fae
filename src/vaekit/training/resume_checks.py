"""What `resume` checks before it touches a run directory: that the checkpoint and metrics.csv tell the same story,
that the epochs asked for are not fewer than those done, and that the data has not changed since training.

    until = epochs_to_run(state, config, epochs=60, run_dir=run_dir)
    check_history(state, read_metrics(run_dir / METRICS_FILE), config, run_dir)
    check_same_data(info, data, run_dir)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaekit.config import Config, coerce
from vaekit.core.errors import ConfigError, DataError, VaekitError
from vaekit.data import Dataset
from vaekit.data.common.fingerprint import data_fingerprint
from vaekit.training.checkpoint import TrainingState


def epochs_to_run(state: TrainingState, config: Config, epochs: int | str | None, run_dir: Path) -> int:
    """The epoch to stop after: `epochs` (in all, not more), or the run's own count. Fewer than the checkpoint
    has done would throw trained epochs away, so it is an error."""
    if epochs is not None:
        epochs = coerce(epochs, int, "train.epochs")  # from the command line, a flag's text
    if epochs is not None and epochs < 1:
        raise ConfigError(f"train.epochs must be at least 1, got {epochs}")
    until = config.train.epochs if epochs is None else epochs
    if until < state.epoch:
        raise VaekitError(f"{run_dir} has trained {state.epoch} epochs already and --epochs counts epochs in all: "
                          f"give more than {state.epoch} to continue it, or leave --epochs out")
    return until


def check_history(state: TrainingState, metrics: list[dict[str, float]], config: Config, run_dir: Path) -> None:
    """The checkpoint's epoch and step must match the run: at most its epochs, and metrics.csv holding a row for
    each epoch done, the last with the checkpoint's step (a checkpoint from another run would rewrite the
    history)."""
    problem = None
    done = [row for row in metrics if row["epoch"] <= state.epoch]
    if state.epoch > config.train.epochs:
        problem = f"it has done {state.epoch} epochs of the {config.train.epochs} in config.json"
    elif metrics and [row["epoch"] for row in done] != list(range(1, state.epoch + 1)):
        problem = f"it has done {state.epoch} epochs but metrics.csv records epochs {[row['epoch'] for row in done]}"
    elif done and done[-1]["step"] != state.step:
        problem = f"it has taken {state.step} steps but metrics.csv records {done[-1]['step']:.0f} after epoch " \
                  f"{state.epoch}"
    if problem:
        raise VaekitError(f"the checkpoint in {run_dir} does not belong to this run ({problem}); restore the run's "
                          "own checkpoint.safetensors, or train a new run")


def check_same_data(info: dict[str, Any], data: Dataset, run_dir: Path,
                    remedy: str = "restore the original data to resume, or train a new run on this data with --out"
                    ) -> None:
    """The data to resume on (or to score as the run's own) must be the data the run was trained on (runs from
    before fingerprints pass)."""
    recorded = info.get("fingerprint")
    if recorded is not None and recorded != data_fingerprint(data):
        raise DataError(f"the data {info.get('location') or info['source']} changed since {run_dir} was trained "
                        f"on it (its fingerprint differs from config.json's); {remedy}")
