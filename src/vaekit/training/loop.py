"""The training loop, readable top to bottom: load data, build the model, step through epochs, save everything.

    run = train(Config.from_dict({"data": {"source": "digits"}, "train": {"epochs": 5}}), "runs/digits")
    run = resume("runs/digits", epochs=10)
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch.distributions import constraints
from tqdm.auto import tqdm

from vaekit.checks import describe_values
from vaekit.config import Config
from vaekit.data import Dataset
from vaekit.data.fingerprint import data_fingerprint
from vaekit.data.quantization import quantization_levels
from vaekit.errors import ConfigError, DataError, VaekitError
from vaekit.inference import load_config_data
from vaekit.io import WriteError
from vaekit.likelihoods.base import support_text
from vaekit.memory import allocation_error, check_training_fits
from vaekit.model import VAE, build_model, resolve_likelihood
from vaekit.objectives.stateful import StatefulObjective
from vaekit.registry import LIKELIHOODS, OBJECTIVES
from vaekit.run_dir import (
    CHECKPOINT_FILE,
    METRICS_FILE,
    MODEL_FILE,
    check_fresh,
    read_run_config,
    remove_run_files,
    save_weights,
    write_run_config,
)
from vaekit.run_lock import claim_run
from vaekit.training.batches import DeviceBatches
from vaekit.training.checkpoint import TrainingState, load_checkpoint, save_checkpoint
from vaekit.training.class_labels import check_class_labels, prepare_class_labels
from vaekit.training.controls import Controls
from vaekit.training.data_prep import DeviceData, observed_values, prepare
from vaekit.training.device import pick_device
from vaekit.training.epoch import train_epoch
from vaekit.training.health import CollapseWatch, TrainingDiverged, beta_warming_up, collapse_remedies
from vaekit.training.metrics_log import read_metrics, write_metrics
from vaekit.training.optimizers import make_optimizer
from vaekit.training.pictures import write_pictures
from vaekit.training.random_streams import RandomStreams
from vaekit.training.resume_checks import check_history, check_same_data, epochs_to_run
from vaekit.training.step import TrainStep
from vaekit.training.tensorboard import TensorBoardLog
from vaekit.training.validation import validate


@dataclass
class Run:
    """A finished (or interrupted) training run and where its files are."""

    path: Path
    model: VAE
    config: Config
    metrics: list[dict[str, float]] = field(default_factory=list)
    interrupted: bool = False
    best_epoch: int = 0     # the epoch with the lowest validation -ELBO (model-best.safetensors)
    stopped_early: str = ""  # why early stopping ended the run ('' when it did not)
    stop_signal: int | None = None  # the signal that interrupted it (SIGINT, SIGTERM)


EpochCallback = Callable[[dict[str, float]], None]


def train(config: Config | dict[str, Any], out_dir: str | Path | None = None, progress: bool = True,
          data: Dataset | None = None, pictures: bool = True, on_epoch: EpochCallback | None = None) -> Run:
    """Train a new model; `out_dir` must not hold a run already (default: runs/<data>-<time>).

    `data` trains on an in-memory Dataset instead of loading config.data.source (the embedder does this);
    `pictures=False` skips the figures; `on_epoch(row)` is called with each epoch's metrics once its checkpoint
    is saved (time spent there is not counted in the epoch's seconds).
    """
    config = Config.from_dict(config) if isinstance(config, dict) else config.validate()
    if out_dir is not None and not str(out_dir).strip():  # Path("") is the current directory: never meant
        raise VaekitError("--out is empty; name a folder for the run, for example --out runs/demo")
    if out_dir is None:
        stem = Path(config.data.source).stem or "run"
        out_dir = Path("runs") / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    run_dir = Path(out_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise VaekitError(f"--out {run_dir} is a file, not a directory")
    with claim_run(run_dir, "vaekit train", create=True, hint="wait for it to finish or use another --out"):
        check_fresh(run_dir)
        try:
            return _run(config, run_dir, None, progress, data, pictures, on_epoch)
        except BaseException as error:
            if not (run_dir / CHECKPOINT_FILE).is_file():  # nothing to resume: leave the folder as it was
                remove_run_files(run_dir)
                if isinstance(error, WriteError):
                    raise error.then("train again") from None
            elif isinstance(error, WriteError):
                raise error.then(f"resume with `vaekit train --resume {run_dir}`") from None
            raise


def resume(run_dir: str | Path, epochs: int | None = None, device: str | None = None, progress: bool = True,
           on_epoch: EpochCallback | None = None) -> Run:
    """Continue a run from its last checkpoint, up to `epochs` in all (default: the epochs it was given).

    More epochs than the run was given extend it (config.json records the new count); fewer stop early and
    config.json keeps the run's own count; fewer than it has done already are an error. So is data that changed
    since training (config.json records its fingerprint)."""
    if not str(run_dir).strip():
        raise VaekitError("--resume is empty; name the run directory to continue, for example --resume runs/demo")
    read_run_config(run_dir)  # the run's own message when it is not one
    with claim_run(run_dir, "vaekit train --resume"):
        config, info = read_run_config(run_dir)
        run_dir = Path(run_dir)
        state = load_checkpoint(run_dir / CHECKPOINT_FILE)
        check_history(state, read_metrics(run_dir / METRICS_FILE), config, run_dir)
        until = epochs_to_run(state, config, epochs, run_dir)
        overrides: dict[str, Any] = {}
        if until > config.train.epochs:
            overrides["epochs"] = until
        if device is not None:
            overrides["device"] = device
        config = config.with_overrides({"train": overrides})
        data = load_config_data(config, run_info=info)  # a table coded as this run coded it
        check_same_data(info, data, run_dir)
        try:
            return _run(config, run_dir, state, progress, data=data, on_epoch=on_epoch, until=until)
        except WriteError as error:
            raise error.then(f"resume with `vaekit train --resume {run_dir}`") from None


class _StopFlag:
    """Ctrl-C (SIGINT) or SIGTERM (what a scheduler or `docker stop` sends) sets a flag that the loop checks
    between steps, so it stops on a whole step and saves; a second signal interrupts at once. `signal` is the
    first signal received."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.stop = False
        self.signal: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopFlag:
        try:
            for number in self.SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        except ValueError:  # not the main thread: leave signals alone
            pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stop:
            raise KeyboardInterrupt
        self.stop, self.signal = True, signum

    def __exit__(self, *exc: Any) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)


def _run(config: Config, run_dir: Path, state: TrainingState | None, progress: bool, data: Dataset | None = None,
         pictures: bool = True, on_epoch: EpochCallback | None = None, until: int | None = None) -> Run:
    # `until`: the epoch to stop after when it is not the config's own (resume, stopping early)
    last_epoch = config.train.epochs if until is None else until
    device = pick_device(config.train.device)
    if config.train.precision == "bf16" and device.type not in ("cpu", "cuda"):
        raise ConfigError(f"precision bf16 runs on cpu and cuda devices, not {device.type}; use --precision fp32")
    if data is None:
        data = load_config_data(config)
    likelihood = resolve_likelihood(config.model, data.kind, data.column_types)
    check_data_fits(data, likelihood, config.data.binarize, config.data.dequantize)
    if progress:
        tqdm.write(f"data: {data.summary()}; likelihood {likelihood}")
    schema = None if data.column_types is None else (data.column_types, data.column_values)
    check_training_fits(config, data, schema, device)  # sizes are checked before anything big is allocated
    tensors = prepare(data, config.data, device)
    streams = RandomStreams(config.train.seed, device)
    with streams.active():  # the initial weights come from the run's seed, not from the caller's random state
        try:
            model = build_model(config.model, data.shape, data.kind, data.num_classes, schema).to(device)
        except (MemoryError, RuntimeError) as error:
            raise allocation_error(error) or error from None
    optimizer = make_optimizer(model, config.train)
    controls = Controls(config, optimizer)  # early stopping, the LR schedule (on the fresh optimizer), MLflow
    objective = OBJECTIVES.get(config.objective.name)(config.objective, dataset_size=len(data.train_x))
    check_class_labels(model, tensors, data.name)  # labels with gaps: for a model that sums the class out only
    _try_one_batch(model, objective, tensors)
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
        _restore(state, model, optimizer, streams, device, objective)
        controls.load_state_dict(state.controls)
        step, first_epoch = state.step, state.epoch + 1
        metrics = [row for row in read_metrics(run_dir / METRICS_FILE) if row["epoch"] <= state.epoch]
    # labels with gaps: M2 only, its labelled rows repeated (after the standardization, which reads the data once)
    tensors = prepare_class_labels(model, tensors)
    batches = DeviceBatches(tensors.train_x, tensors.train_y, config.train.batch_size)
    train_step = TrainStep(model, optimizer, config.train, device)
    if state is not None:
        train_step.load_state_dict(state.scaler)  # fp16: the gradient scale where the run stopped

    interrupted = False
    controls.start(run_dir)  # an MLflow store that refuses the run fails here, before the run directory is written
    with _StopFlag() as stop:  # from the first file written on: Ctrl-C finishes the step, then saves
        run_dir.mkdir(parents=True, exist_ok=True)
        data_info = {"source": config.data.source, "location": data.source, "shape": list(data.shape),
                     "kind": data.kind, "n_train": len(data.train_x), "n_test": len(data.test_x),
                     "class_names": data.class_names, "columns": data.columns, "likelihood": likelihood,
                     "num_classes": data.num_classes, "column_types": data.column_types,
                     "column_values": data.column_values, "fingerprint": data_fingerprint(data)}
        write_run_config(run_dir, config, data_info)
        if state is None:  # an epoch-0 checkpoint: a run stopped in its first epoch can still be resumed
            _checkpoint(run_dir, 0, step, model, optimizer, streams, device, controls.state_dict(), objective,
                        train_step.state_dict())
            write_metrics(run_dir / METRICS_FILE, metrics)
        log = TensorBoardLog(run_dir / "tensorboard")
        collapse = CollapseWatch(model.latent_dim, remedies=collapse_remedies(type(objective).honours))
        for epoch in range(first_epoch, last_epoch + 1):
            if controls.stopped:  # an early-stopped run resumed with no more epochs planned: it is done
                break
            if pretrain and epoch == pretrain + 1:  # also when resumed from the last pretraining checkpoint
                objective.after_pretraining(model, tensors.train_x, config.train.seed)
            started, compiled_before = time.perf_counter(), train_step.compile_seconds
            try:
                with streams.active():
                    train_terms, step, beta = train_epoch(model, objective.pretraining if epoch <= pretrain
                                                          else objective, train_step, batches, tensors,
                                                          streams.data, config, epoch, step, stop, progress)
                # --compile: the steps that compiled are timed apart (compile_seconds), not in the epoch's seconds
                compile_seconds = train_step.compile_seconds - compiled_before
                seconds = time.perf_counter() - started - compile_seconds
                if not stop.stop:
                    val = validate(model, tensors.test_x, config.train.seed, config.objective.kl, tensors.test_y)
                    if not (math.isfinite(val["distortion"]) and math.isfinite(val["rate"])):
                        raise TrainingDiverged(step, epoch, "the validation loss")
            except TrainingDiverged as diverged:
                # keep the last good state: the checkpoint stays, and the weights file gets its weights
                log.close()
                controls.finish(model, run_dir, "FAILED")
                model.load_state_dict(load_checkpoint(run_dir / CHECKPOINT_FILE).model)
                save_weights(model, run_dir / MODEL_FILE)
                if epoch == 1 and state is None:  # a new run with nothing trained to keep: leave no run behind
                    remove_run_files(run_dir)
                    raise VaekitError(f"{diverged}, in the first epoch, so nothing was kept; train again with a "
                                      "lower --lr or --grad-clip") from None
                raise VaekitError(f"{diverged}; {run_dir} keeps the last good checkpoint (epoch {epoch - 1}) and its "
                                  "weights; --resume keeps this run's settings, so try a lower --lr or --grad-clip "
                                  "in a new run") from None
            if stop.stop:
                interrupted = True
                break
            kl_per_dim = val.pop("kl_per_dim")
            row = {"epoch": epoch, "step": step, **train_terms, **{f"val_{k}": v for k, v in val.items()},
                   "beta": beta, "lr": optimizer.param_groups[0]["lr"],
                   "examples_per_s": len(tensors.train_x) / seconds, "epoch_seconds": seconds,
                   **({"compile_seconds": compile_seconds} if config.train.compile else {})}
            stop_reason = controls.end_epoch(row, model, run_dir)  # best weights, LR schedule, early stopping
            metrics.append(row)
            write_metrics(run_dir / METRICS_FILE, metrics)
            log.epoch(row, model, tensors.test_x[:32], kl_per_dim,
                      None if tensors.test_y is None else tensors.test_y[:32])
            collapse.check(row, beta_warming_up(config.objective, row),
                           last_epoch=epoch == last_epoch or bool(stop_reason))
            _checkpoint(run_dir, epoch, step, model, optimizer, streams, device, controls.state_dict(), objective,
                        train_step.state_dict())
            controls.log_epoch(row)
            if on_epoch is not None:
                on_epoch(dict(row))
            if progress:
                tqdm.write(f"epoch {epoch}: train -ELBO {row['train_neg_elbo']:.2f}  validation -ELBO "
                           f"{row['val_neg_elbo']:.2f} (distortion {row['val_distortion']:.2f} + rate "
                           f"{row['val_rate']:.2f}) nats  {row['examples_per_s']:.0f} examples/s")
            if stop_reason:
                break
    log.close()
    for line in (collapse.final(metrics[-1]) if metrics else "", controls.stopping.reason()):
        if progress and line and not interrupted:
            tqdm.write(line)
    controls.finish(model, run_dir, "KILLED" if interrupted else "FINISHED")  # early stopping: the best weights
    save_weights(model, run_dir / MODEL_FILE)
    if pictures:
        write_pictures(model, tensors.test_x, tensors.test_y, run_dir, metrics, data.class_names,
                       columns=data.columns)
    return Run(run_dir, model.eval(), config, metrics, interrupted, controls.stopping.best_epoch,
               controls.stopping.reason(), stop.signal if interrupted else None)


def _try_one_batch(model: VAE, objective: Any, tensors: DeviceData) -> None:
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


def check_data_fits(data: Dataset, likelihood: str, binarize: str, dequantize: bool = False) -> None:
    """The whole data set against what the likelihood declares (vaekit.likelihoods.base), once, before training:
    its data support (Bernoulli-type likelihoods read values as probabilities in [0, 1]; binarization too), the
    grid of levels of a discrete likelihood, and whether dequantization applies to it (a density only)."""
    part = LIKELIHOODS.get(likelihood)
    if dequantize and not part.density:
        densities = ", ".join(n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).density)
        raise DataError(f"--dequantize is for continuous likelihoods ({densities}); the {likelihood} likelihood "
                        "scores discrete values itself, so train it without --dequantize")
    if part.levels is not None and binarize == "none":
        levels = quantization_levels(observed_values(data))
        if levels not in (2, part.levels):
            raise DataError(f"the {likelihood} likelihood models {(part.levels - 1).bit_length()}-bit pixels (values "
                            f"k/{part.levels - 1}), but {data.name} "
                            f"{'has real values' if levels is None else f'has {levels} levels'}; use a "
                            "continuous likelihood")
    support = constraints.unit_interval if binarize != "none" else part.data_support
    for split in (data.train_x, data.test_x):
        valid = support.check(split) & torch.isfinite(split)
        if data.missing:  # NaN entries are missing values, which the model leaves out (data.missing: model)
            valid = valid | torch.isnan(split)
        if not bool(valid.all()):
            what = f"--binarize {binarize}" if binarize != "none" else f"the {likelihood} likelihood"
            values = torch.cat([data.train_x.flatten(), data.test_x.flatten()])
            remedy = ("use --likelihood gaussian (and --binarize none)" if bool(torch.isfinite(values).all())
                      else "remove or fill those values first")
            raise DataError(f"{what} needs data in {support_text(support)}, but {data.name} "
                            f"{describe_values(values)}; {remedy}")


def _restore(state: TrainingState, model: VAE, optimizer: torch.optim.Optimizer, streams: RandomStreams,
             device: torch.device, objective: Any = None) -> None:
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


def _checkpoint(run_dir: Path, epoch: int, step: int, model: VAE, optimizer: torch.optim.Optimizer,
                streams: RandomStreams, device: torch.device, controls: dict[str, Any] | None = None,
                objective: Any = None, scaler: dict[str, Any] | None = None) -> None:
    own = objective.training_state() if isinstance(objective, StatefulObjective) else {}
    save_checkpoint(run_dir / CHECKPOINT_FILE, TrainingState(epoch, step, model.state_dict(),
                                                             optimizer.state_dict(), streams.state_dict(),
                                                             device.type, controls or {}, own, scaler or {}))
