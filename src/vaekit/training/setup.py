"""Everything before the first file of a run is written: data, model, optimizer, objective, the restored state.
A failure here leaves nothing behind.

    ready = set_up(config, run_dir, state, progress, data, stream, processes, device)
    ready.model, ready.objective, ready.first_epoch
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from vaekit.config import Config
from vaekit.core.errors import ConfigError, DataError, VaekitError
from vaekit.core.notices import notice
from vaekit.core.registry import NETWORKS, OBJECTIVES
from vaekit.data import Dataset
from vaekit.data.kinds import data_kind
from vaekit.data.validation import validation_split
from vaekit.model.build import build_model, resolve_auto
from vaekit.model.size import allocation_error, check_training_fits
from vaekit.model.vae import VAE
from vaekit.objectives.stateful import StatefulObjective
from vaekit.parts import check_unread
from vaekit.runs.directory import METRICS_FILE
from vaekit.training.auto_settings import settle_sizes
from vaekit.training.checkpoint import TrainingState
from vaekit.training.class_labels import check_class_labels, prepare_class_labels
from vaekit.training.controls import Controls
from vaekit.training.data_checks import check_data_fits
from vaekit.training.data_prep import DeviceData, prepare
from vaekit.training.data_source import StreamedData, load_training_data
from vaekit.training.distributed import Processes, check_shareable
from vaekit.training.metrics_log import read_metrics
from vaekit.training.optimizers import make_optimizer
from vaekit.training.random_streams import RandomStreams
from vaekit.training.watch import Watch


@dataclass
class SetUp:
    """What training starts from: the parts, the data on the device, and where the run stands (a resumed run's step,
    next epoch and metrics so far)."""

    model: VAE
    optimizer: torch.optim.Optimizer
    controls: Controls
    objective: Any
    tensors: DeviceData
    streams: RandomStreams
    data: Dataset
    stream: StreamedData | None
    likelihood: str
    step: int
    first_epoch: int
    metrics: list[dict[str, float]]


EARLY_STOPPING_SHARE = 0.1  # of the training split, held out to choose the epoch when early stopping is on
MIN_ROWS_TO_CARVE = 10  # fewer training rows than this: early stopping reads the test split, as before


def set_up(config: Config, run_dir: Path, state: TrainingState | None, progress: bool, data: Dataset | None,
            stream: StreamedData | None, processes: Processes, device: torch.device,
            watch: Watch | None = None) -> SetUp:
    """Everything before the first file is written: data, model, optimizer, objective, the restored state.
    `watch`: the figure early stopping follows instead of the -ELBO (training/watch.py); it needs no rows carved."""
    if config.train.precision == "bf16" and device.type not in ("cpu", "cuda"):
        raise ConfigError(f"precision bf16 runs on cpu and cuda devices, not {device.type}; use --precision fp32")
    if data is None:  # streamed data (data/streamed.py): `data` holds bounded samples, `stream` every example
        data, stream = load_training_data(config)
    if processes.several and stream is not None:
        raise ConfigError(f"{data.name} is streamed from disk, which trains in one process for now; train it with "
                          "one process, or with --streaming off if it fits in memory")
    n_train = len(data.train_x) if stream is None else len(stream)
    if processes.several and len(data.train_x) < processes.world:
        raise DataError(f"{data.name} has {len(data.train_x)} training rows, fewer than the {processes.world} "
                        "processes; train it in one process")
    # "auto" settled once, here, for this data: config.json then records the parts the run was built with
    # whether the values lie in [0, 1] is read, as the data checks are, from what is in memory (a streamed file's
    # sample of training rows, which holds all of them up to its size)
    resolve_auto(config.model, data.kind, data.column_types, tuple(data.shape), data.within_unit_interval)
    check_unread(config.model)  # a likelihood's settings, now that "auto" names one
    # the sizes left "auto" (hidden widths, epochs, early stopping), for this data's rows: said once, recorded
    reads_hidden = "hidden" in NETWORKS.get(config.model.network).reads or config.model.class_latent != "none"
    chosen = settle_sizes(config, data.kind, data.shape, n_train, reads_hidden)
    if config.train.early_stopping > 0 and watch is None and stream is None and data.source_fingerprint is None \
            and len(data.train_x) >= MIN_ROWS_TO_CARVE:
        # early stopping chooses an epoch: on validation rows carved from the training split, so that the test
        # split stays unseen until `vaekit evaluate` (data/validation.py; the run records the whole data's
        # fingerprint, and a resume carves the same rows again)
        data = validation_split(data, EARLY_STOPPING_SHARE, config.data.split_seed)
        n_train = len(data.train_x)
    likelihood = config.model.likelihood
    check_data_fits(data, likelihood, config.data.binarize, config.data.dequantize)
    if progress:
        # streamed: `data` holds bounded samples, and the line gives the whole data's counts
        described = data.summary() if stream is None else stream.summary(data)
        tqdm.write(f"data: {described}; likelihood {likelihood}")
    schema = None if data.column_types is None else (data.column_types, data.column_values)
    if data_kind(data.kind).padded:  # NaN padding: the encoder reads the mask, the likelihood scores real entries
        config.model.encoder_mask = True
    check_training_fits(config, data, schema, device)  # sizes are checked before anything big is allocated
    tensors = prepare(data, config.data, device)
    streams = RandomStreams(config.train.seed, device)
    with streams.active():  # the initial weights come from the run's seed, not from the caller's random state
        try:
            model = build_model(config.model, data.shape, data.kind, data.num_classes, schema,
                                data.vocabulary_size).to(device)
        except (MemoryError, RuntimeError) as error:
            raise allocation_error(error) or error from None
    if processes.several:
        check_shareable(model)
    optimizer = make_optimizer(model, config.train)
    objective = OBJECTIVES.get(config.objective.name)(config.objective, dataset_size=n_train)
    # early stopping (on what the objective says), the LR schedule (on the fresh optimizer), MLflow
    controls = Controls(config, optimizer, watch)
    check_class_labels(model, tensors, data.name)  # labels with gaps: for a model that sums the class out only
    try_one_batch(model, objective, tensors)
    # an objective that honours pretrain_epochs (the only kind allowed to have it set, objectives/settings.py)
    # trains with its `pretraining` loss first, then initialises the model from the data (VaDE's mixture fit)
    pretrain = config.objective.pretrain_epochs
    if pretrain >= config.train.epochs:
        raise ConfigError(f"pretrain_epochs ({pretrain}) leaves no epochs of the {config.objective.name} objective "
                          f"in {config.train.epochs}; train for more epochs than that")
    step, first_epoch, metrics = 0, 1, []
    if state is None:
        if model.standardize:
            model.set_standardization(tensors.train_x)
        model.likelihood.fit_data(tensors.train_x)  # the mixed likelihood standardizes its continuous columns
    else:  # restore everything before touching the run directory, so a bad checkpoint changes nothing
        restore(state, model, optimizer, streams, device, objective)
        controls.load_state_dict(state.controls)
        step, first_epoch = state.step, state.epoch + 1
        metrics = [row for row in read_metrics(run_dir / METRICS_FILE) if row["epoch"] <= state.epoch]
    # labels with gaps: M2 only, its labelled rows repeated (after the standardization, which reads the data once)
    tensors = prepare_class_labels(model, tensors)
    if processes.leader:  # an MLflow store that refuses the run fails here, before the run directory is written
        controls.start(run_dir)
        if chosen:  # said once the set-up has passed: a refused run prints its error alone
            notice(chosen)
    return SetUp(model, optimizer, controls, objective, tensors, streams, data, stream, likelihood, step, first_epoch,
                 metrics)


def try_one_batch(model: VAE, objective: Any, tensors: DeviceData) -> None:
    """The objective on two training examples, before anything is written: parts that do not go together (a
    beta-TCVAE with a flow posterior, say) fail here with their one-line error, not after the run directory
    exists. Its random draws come from a forked state, so the run's draws are the same with or without it."""
    labels = None if tensors.train_y is None else tensors.train_y[:2]
    devices = [tensors.train_x.device] if tensors.train_x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        try:
            objective(model.given(labels), tensors.train_x[:2], 1.0, 0.0)
        except (NotImplementedError, AttributeError, TypeError) as error:
            raise ConfigError(f"the {type(objective).__name__} objective does not work with this model's parts "
                              f"({type(error).__name__}: {error})") from None


def restore(state: TrainingState, model: VAE, optimizer: torch.optim.Optimizer, streams: RandomStreams,
            device: torch.device, objective: Any = None) -> None:
    """A checkpoint's state into the fresh model, optimizer, random streams and objective."""
    if state.device_type != device.type:
        raise VaekitError(f"this run was trained on {state.device_type} and its random streams only resume there; "
                          f"resume with --device {state.device_type}")
    try:
        model.load_state_dict(state.model)
        optimizer.load_state_dict(state.optimizer)
        streams.load_state_dict(state.rng)
        if isinstance(objective, StatefulObjective):  # FactorVAE's discriminator and its optimizer
            objective.load_training_state(state.objective)
    except (RuntimeError, ValueError, KeyError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise VaekitError(f"the checkpoint does not match this run's config ({first})") from None
