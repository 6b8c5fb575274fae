"""What training writes into a run directory besides the metrics: config.json with the data's description, the
run's own data files (a text's vocabulary), and the checkpoint after each epoch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from vaekit.config import Config
from vaekit.core.notices import notice
from vaekit.data import Dataset
from vaekit.data.common.fingerprint import data_fingerprint
from vaekit.data.kinds import data_kind
from vaekit.model.vae import VAE
from vaekit.objectives.stateful import StatefulObjective
from vaekit.runs.directory import CHECKPOINT_FILE, METRICS_FILE, write_run_config
from vaekit.runs.files import LATENT_PRIOR, LATENT_PRIOR_REPORT, PRIOR_REPORT
from vaekit.runs.fingerprints import forget_fitted_prior
from vaekit.runs.latent_prior import forget_latent_prior
from vaekit.tasks.imputation.ranges import observed_ranges
from vaekit.training.checkpoint import TrainingState, save_checkpoint
from vaekit.training.controls import Controls
from vaekit.training.data_source import StreamedData
from vaekit.training.metrics_log import write_metrics
from vaekit.training.random_streams import RandomStreams


def start_run_dir(run_dir: Path, config: Config, data: Dataset, stream: StreamedData | None, likelihood: str,
                   state: TrainingState | None, step: int, model: VAE, optimizer: torch.optim.Optimizer,
                   streams: RandomStreams, device: torch.device, controls: Controls, objective: Any,
                   metrics: list[dict[str, float]], scaler: dict[str, Any],
                   trained_with: dict[str, Any] | None = None) -> None:
    """The run directory's config.json and, for a new run, its epoch-0 checkpoint and empty metrics."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if state is not None and forget_fitted_prior(run_dir):
        # the checkpoint holds the prior as training left it (unfitted); keeping the fitted one would be no better:
        # it was fitted to the codes of the encoder before this training changes it
        notice(f"resuming from the checkpoint of epoch {state.epoch}, whose prior over codes is not the one "
               f"vaekit fit-prior fitted (training changes the codes it was fitted to): {PRIOR_REPORT} is removed; "
               f"run vaekit fit-prior {run_dir} again after training")
    if state is not None and forget_latent_prior(run_dir):  # the same for a prior over continuous codes
        notice(f"resuming from the checkpoint of epoch {state.epoch}: training moves the codes that vaekit fit-prior "
               f"fitted a prior to, so {LATENT_PRIOR} and {LATENT_PRIOR_REPORT} are removed; run vaekit fit-prior "
               f"{run_dir} again after training")
    data_info = {"source": config.data.source, "location": data.source, "shape": list(data.shape),
                 "kind": data.kind, "n_train": len(data.train_x) if stream is None else len(stream),
                 "n_test": len(data.test_x) if stream is None else stream.n_test,  # not validation's subset
                 "class_names": data.class_names, "columns": data.columns, "likelihood": likelihood,
                 "num_classes": data.num_classes, "column_types": data.column_types,
                 "column_values": data.column_values, "fingerprint": data_fingerprint(data),
                 "streamed": stream is not None,
                 "column_ranges": column_ranges(data) if stream is None else None}
    kind = data_kind(data.kind)  # what this kind of data keeps about itself: a text's vocabulary, say
    data_info.update(kind.run_info(data))
    kind.write_run_files(run_dir, data)
    write_run_config(run_dir, config, data_info, trained_with)
    if state is None:  # an epoch-0 checkpoint: a run stopped in its first epoch can still be resumed
        save_state(run_dir, 0, step, model, optimizer, streams, device, controls.state_dict(), objective, scaler)
        write_metrics(run_dir / METRICS_FILE, metrics)


MAX_RANGE_COLUMNS = 100_000  # wider vectors record no ranges: 40 bytes a column of config.json


def column_ranges(data: Dataset) -> list[list[float]] | None:
    """[low, high] of each column over the training split's observed values, for rows of numbers (a table, an
    array; None for other kinds): `vaekit impute` keeps what it fills in within them (tasks/imputation/ranges.py).
    Where early stopping carved validation rows off the training split (data/validation.py), they count too: they
    are the user's training rows, and a range narrower than theirs would clip fill-ins the data allows."""
    x = data.train_x
    if data.kind != "vector" or x.dim() != 2 or not 0 < x.shape[1] <= MAX_RANGE_COLUMNS or not len(x):
        return None
    if data.source_fingerprint is not None:  # a carved part: its "test" rows are training rows, never the test split
        x = torch.cat([x, data.test_x])
    low, high = observed_ranges(x)
    if not bool(torch.isfinite(low).all() and torch.isfinite(high).all()):  # a column with nothing observed
        return None
    return [[float(a), float(b)] for a, b in zip(low.tolist(), high.tolist(), strict=True)]


def save_state(run_dir: Path, epoch: int, step: int, model: VAE, optimizer: torch.optim.Optimizer,
                streams: RandomStreams, device: torch.device, controls: dict[str, Any] | None = None,
                objective: Any = None, scaler: dict[str, Any] | None = None) -> None:
    """The full training state after `epoch` (0: before the first) in the run's checkpoint file."""
    own = objective.training_state() if isinstance(objective, StatefulObjective) else {}
    save_checkpoint(run_dir / CHECKPOINT_FILE, TrainingState(epoch, step, model.state_dict(),
                                                             optimizer.state_dict(), streams.state_dict(),
                                                             device.type, controls or {}, own, scaler or {}))
