"""The training loop, readable top to bottom: load data, build the model, step through epochs, save everything.

    run = train(Config.from_dict({"data": {"source": "digits"}, "train": {"epochs": 5}}), "runs/digits")
    run = resume("runs/digits", epochs=10)

Started by torchrun (WORLD_SIZE > 1) both train in every process, as training/distributed.py describes: process 0
writes the run directory and prints, the others train their slices of each batch alongside.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from vaekit.config import Config
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.core.io import WriteError
from vaekit.core.notices import notice
from vaekit.data import Dataset
from vaekit.data.kinds import data_kind
from vaekit.parts import check_config
from vaekit.runs.directory import (
    CHECKPOINT_FILE,
    METRICS_FILE,
    MODEL_FILE,
    check_fresh,
    read_run_config,
    read_run_record,
    remove_run_files,
    save_weights,
)
from vaekit.runs.lock import claim_run
from vaekit.runs.run import Run
from vaekit.tasks.run_pictures import write_pictures
from vaekit.tasks.synthesis.calibration import write_calibration
from vaekit.training.batches import DeviceBatches
from vaekit.training.checkpoint import TrainingState, load_checkpoint
from vaekit.training.console import epoch_line
from vaekit.training.data_source import StreamedData, load_training_data
from vaekit.training.distributed import (
    AgreedStop,
    Processes,
    SharedGradients,
    alike,
    check_processes,
    joined,
    launched,
    noise_seed,
    process_device,
    raise_once,
    share_weights,
    together,
)
from vaekit.training.epoch import train_epoch
from vaekit.training.health import CollapseWatch, TrainingDiverged, beta_warming_up, collapse_remedies
from vaekit.training.hidden_entries import epochs_on_hidden_entries
from vaekit.training.metrics_log import read_metrics, write_metrics
from vaekit.training.pretraining import training_codes
from vaekit.training.resume_checks import check_history, check_same_data, epochs_to_run
from vaekit.training.run_files import save_state, start_run_dir
from vaekit.training.setup import set_up
from vaekit.training.signals import StopFlag
from vaekit.training.step import TrainStep
from vaekit.training.stream_batches import StreamBatches
from vaekit.training.tensorboard import TensorBoardLog
from vaekit.training.validation import validate
from vaekit.training.watch import Watch

EpochCallback = Callable[[dict[str, float]], None]


def train(config: Config | dict[str, Any], out_dir: str | Path | None = None, progress: bool = True,
          data: Dataset | None = None, pictures: bool = True, on_epoch: EpochCallback | None = None,
          watch: Watch | None = None) -> Run:
    """Train a new model; `out_dir` must not hold a run already (default: runs/<data>-<time>).

    `data` trains on an in-memory Dataset instead of loading config.data.source (the embedder does this);
    `pictures=False` skips the figures; `on_epoch(row)` is called with each epoch's metrics once its checkpoint
    is saved (time spent there is not counted in the epoch's seconds); `watch`: a figure of the use's own that
    the best epoch and early stopping follow instead of the validation -ELBO (training/watch.py; one process).
    """
    if not isinstance(config, dict | Config):  # vaekit.train(42, ...): one line, not an AttributeError from inside
        raise VaekitError(f"config must be a mapping of sections or a vaekit.Config, got {type(config).__name__}")
    # a copy: what training settles (padded audio reads the mask, model.encoder_mask) is the run's, not the caller's
    config = check_config(Config.from_dict(config) if isinstance(config, dict) else copy.deepcopy(config).validate())
    processes = launched()
    with alike(processes):  # checks each process makes alike: one message per machine
        if out_dir is not None and not str(out_dir).strip():  # Path("") is the current directory: never meant
            raise VaekitError("--out is empty; name a folder for the run, for example --out runs/demo")
        if out_dir is None:
            if processes.several:  # each process would make up its own name from its own clock
                raise ConfigError("a run of several processes needs --out, the folder they share")
            stem = Path(config.data.source).stem or "run"
            out_dir = Path("runs") / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
        run_dir = Path(out_dir)
        check_processes(config, processes.world, processes.local_world)
        if (watch is not None or config.train.stop_on == "hidden-entries") and processes.several:
            raise ConfigError("a watched figure (stop_on: hidden-entries, or a Watch) steers a run of one process; "
                              "train it without torchrun")  # each process would measure its own figure
        if watch is not None and config.train.stop_on == "hidden-entries":
            raise ConfigError("stop_on: hidden-entries and a Watch both choose the epochs; give one of them")
        device = process_device(config.train.device, processes)
    with joined(processes, device), contextlib.ExitStack() as claimed:
        with together(processes, device):  # only process 0 claims and writes the run directory
            if processes.leader:
                if run_dir.exists() and not run_dir.is_dir():
                    raise VaekitError(f"--out {run_dir} is a file, not a directory")
                claimed.enter_context(claim_run(run_dir, "vaekit train", create=True,
                                                hint="wait for it to finish or use another --out"))
                check_fresh(run_dir)
        try:
            chosen = None
            if config.train.stop_on == "hidden-entries":  # a first run chooses the epochs; this one trains them
                config, data, chosen = epochs_on_hidden_entries(config, data, progress, train)
            return _run(config, run_dir, None, progress, data, pictures, on_epoch, processes=processes,
                        device=device, watch=watch, chosen=chosen)
        except BaseException as error:
            if not processes.leader:
                raise
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
    processes = launched()
    with alike(processes):  # checks each process makes alike: one message per machine
        if not str(run_dir).strip():
            raise VaekitError("--resume is empty; name the run directory to continue, for example --resume "
                              "runs/demo")
        config, _ = read_run_config(run_dir)  # the run's own message when it is not one
        if device is not None:
            config = config.with_overrides({"train": {"device": device}})
        # any number of processes resumes any run (training/distributed.py says how the random streams continue)
        check_processes(config, processes.world, processes.local_world)
        run_device = process_device(config.train.device, processes)
    with joined(processes, run_device), contextlib.ExitStack() as claimed:
        with together(processes, run_device):  # every process reads the run; process 0 alone claims it
            if processes.leader:
                claimed.enter_context(claim_run(run_dir, "vaekit train --resume"))
            saved, config, info = read_run_record(run_dir)
            trained = saved.get("trained_with")  # how a first run chose the epochs, kept in config.json
            chosen = trained.get("epochs_chosen") if isinstance(trained, dict) else None
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
            if "streamed" in info:  # read the data as the run read them, whatever this machine's memory says
                config = config.with_overrides({"data": {"streaming": "on" if info["streamed"] else "off"}})
            # a table coded as this run coded it; a text in the ids of the run's vocabulary.json
            data, stream = load_training_data(config, run_info={**info, "run_dir": run_dir})
            check_same_data(info, data, run_dir)
        try:
            return _run(config, run_dir, state, progress, data=data, on_epoch=on_epoch, until=until,
                        processes=processes, device=run_device, stream=stream, chosen=chosen)
        except WriteError as error:
            raise error.then(f"resume with `vaekit train --resume {run_dir}`") from None


def _run(config: Config, run_dir: Path, state: TrainingState | None, progress: bool, data: Dataset | None = None,
         pictures: bool = True, on_epoch: EpochCallback | None = None, until: int | None = None,
         processes: Processes | None = None, device: torch.device | None = None,
         stream: StreamedData | None = None, watch: Watch | None = None,
         chosen: dict[str, Any] | None = None) -> Run:
    # `until`: the epoch to stop after when it is not the config's own (resume, stopping early); `chosen`: how the
    # epochs were chosen, where a first run chose them (stop_on: hidden-entries), for config.json
    processes = processes or Processes()
    device = device or process_device(config.train.device, processes)
    leader = processes.leader  # process 0 writes the run directory and prints (training/distributed.py)
    progress = progress and leader
    with together(processes, device):  # an error in any process's set-up is reported once, and all stop
        ready = set_up(config, run_dir, state, progress, data, stream, processes, device, watch)
    model, optimizer, controls, objective, tensors, streams = (ready.model, ready.optimizer, ready.controls,
                                                               ready.objective, ready.tensors, ready.streams)
    data, stream, step, metrics = ready.data, ready.stream, ready.step, ready.metrics
    n_train = len(data.train_x) if stream is None else len(stream)  # streamed: data holds a bounded sample
    last_epoch = config.train.epochs if until is None else until
    pretrain = config.objective.pretrain_epochs
    batches = DeviceBatches(tensors.train_x, tensors.train_y, config.train.batch_size, rank=processes.rank,
                            world=processes.world) if stream is None else \
        StreamBatches(stream, config.train.batch_size, device, config.data.workers, config.data.shuffle_buffer)
    if config.train.compile and processes.several:  # DDP's hooks and the compiled step are not tried together yet
        if leader:
            notice("--compile trains in one process for now; these processes train without it")
        config = config.with_overrides({"train": {"compile": False}})
    train_step = TrainStep(model, optimizer, config.train, device)
    if state is not None:
        train_step.load_state_dict(state.scaler)  # fp16: the gradient scale where the run stopped
    shared = SharedGradients(model, processes, device) if processes.several else None
    noise: torch.Generator | None = None  # several processes: each one's binarization noise (distributed.py)

    interrupted = False
    # from the first file written on: Ctrl-C finishes the step, then saves; several processes stop together, at
    # the end of an epoch
    with StopFlag(patient=processes.several) as stop_flag:
        stop = AgreedStop(stop_flag, processes, device) if processes.several else stop_flag
        with together(processes, device):  # process 0 could not write (a full disk): every process stops
            trained_with = {"processes": processes.world, "device": str(device),
                            "precision": train_step.arithmetic.precision}
            if chosen is not None:
                trained_with["epochs_chosen"] = chosen

            def start() -> None:  # config.json (a resume's new epochs); a new run's epoch-0 checkpoint
                start_run_dir(run_dir, config, data, stream, ready.likelihood, state, step, model, optimizer,
                              streams, device, controls, objective, metrics, train_step.state_dict(), trained_with)
            # a resume writes nothing of the run until its first new epoch is saved: one that fails before (a
            # NaN loss, damaged data) leaves config.json, model.safetensors and a fitted prior as they were
            started_run = state is None
            if leader and started_run:
                start()
            log = TensorBoardLog(run_dir / "tensorboard") if leader else NoLog()
        # a long run (a small table's hundreds of epochs) passes through collapse for longer: a tenth of it is grace
        collapse = CollapseWatch(model.latent_dim, remedies=collapse_remedies(type(objective).honours),
                                 grace_epochs=max(5, last_epoch // 10))
        for epoch in range(ready.first_epoch, last_epoch + 1):
            if controls.stopped:  # an early-stopped run resumed with no more epochs planned: it is done
                break
            if pretrain and epoch == pretrain + 1:  # also when resumed from the last pretraining checkpoint
                if progress and leader:
                    tqdm.write(f"{objective.phases[1]} ...")
                objective.after_pretraining(model, training_codes(model, tensors.train_x), config.train.seed)
                share_weights(model, processes)
            if processes.several:  # each process's noise, from (seed, rank, step): see training/distributed.py
                streams.reseed_noise(noise_seed(config.train.seed, processes.rank, step))
                noise = torch.Generator(device=device).manual_seed(
                    noise_seed(config.train.seed, processes.rank, step, "data"))
            started, compiled_before = time.perf_counter(), train_step.compile_seconds
            try:
                with streams.active():
                    train_terms, step, beta = train_epoch(model, objective.pretraining if epoch <= pretrain
                                                          else objective, train_step, batches, tensors,
                                                          streams.data, config, epoch, step, stop, progress,
                                                          shared=shared, noise=noise)
                # --compile: the steps that compiled are timed apart (compile_seconds), not in the epoch's seconds
                compile_seconds = train_step.compile_seconds - compiled_before
                seconds = time.perf_counter() - started - compile_seconds
                if not stop.stop:
                    val = validate(model, tensors.test_x, config.train.seed, config.objective.kl, tensors.test_y,
                                   processes, objective=None if epoch <= pretrain else objective)
                    if not (math.isfinite(val["distortion"]) and math.isfinite(val["rate"])):
                        raise TrainingDiverged(step, epoch, "the validation loss")
            except TrainingDiverged as diverged:
                # keep the last good state: the checkpoint stays, and the weights file gets its weights
                log.close()
                if leader:
                    controls.finish(model, run_dir, "FAILED")
                    if started_run:  # a resume's first new epoch: model.safetensors is still the run's own
                        model.load_state_dict(load_checkpoint(run_dir / CHECKPOINT_FILE).model)
                        save_weights(model, run_dir / MODEL_FILE)
                if epoch == 1 and state is None:  # a new run with nothing trained to keep: leave no run behind
                    if leader:
                        remove_run_files(run_dir)
                    raise_once(VaekitError(f"{diverged}, in the first epoch, so nothing was kept; train again with "
                                           "a lower --lr or --grad-clip"), processes)
                raise_once(VaekitError(f"{diverged}; {run_dir} keeps the last good checkpoint (epoch {epoch - 1}) and "
                                       "its weights; --resume keeps this run's settings, so try a lower --lr or "
                                       "--grad-clip in a new run"), processes)
            if stop.stop:
                interrupted = True
                break
            kl_per_dim = val.pop("kl_per_dim")
            row = {"epoch": epoch, "step": step, **train_terms, **{f"val_{k}": v for k, v in val.items()},
                   "beta": beta, "lr": optimizer.param_groups[0]["lr"],
                   "examples_per_s": n_train / seconds, "epoch_seconds": seconds,
                   **({"compile_seconds": compile_seconds} if config.train.compile else {})}
            # best weights, LR schedule, early stopping: in every process alike (from the shared validation)
            if leader and not started_run:  # a resume's first new epoch is done: the run's files from here on
                start()
            started_run = True
            stop_reason = controls.end_epoch(row, model, run_dir if leader else None, pretraining=epoch <= pretrain)
            metrics.append(row)
            if leader:
                write_metrics(run_dir / METRICS_FILE, metrics)
                log.epoch(row, model, tensors.test_x[:32], kl_per_dim,
                          None if tensors.test_y is None else tensors.test_y[:32])
                if model.has_code:  # a language model has no code to collapse, by design (its posterior says)
                    collapse.check(row, beta_warming_up(config.objective, row),
                                   last_epoch=epoch == last_epoch or bool(stop_reason))
                save_state(run_dir, epoch, step, model, optimizer, streams, device, controls.state_dict(),
                            objective, train_step.state_dict())
                controls.log_epoch(row)
                if on_epoch is not None:
                    on_epoch(dict(row))
            if progress:
                tqdm.write(epoch_line(row, objective.own_bound,
                                      (objective.phases[0], pretrain) if epoch <= pretrain else None,
                                      None if watch is None else (watch.label, watch.column)))
            if stop_reason:
                break
            if isinstance(stop, AgreedStop) and stop.agree():  # after a whole epoch, saved: resume goes on from it
                interrupted = True
                break
    for line in (collapse.final(metrics[-1]) if metrics else "", controls.stopping.reason()):
        if progress and line and not interrupted:
            tqdm.write(line)
    try:
        # the other processes wait for process 0's last files, so that no process takes the group down (at the end
        # of joined) while a peer still holds it: gloo then aborted the waiting one (SIGABRT)
        with together(processes, device):
            if leader:
                controls.finish(model, run_dir, "KILLED" if interrupted else "FINISHED")  # early stopping: best
                save_weights(model, run_dir / MODEL_FILE)
                if data_kind(data.kind).synthesized:  # where its codes lie and how its numbers spread, for samples
                    write_calibration(model, data.train_x, data, run_dir, config.train.seed)
                if pictures:
                    drawn = write_pictures(model, tensors.test_x, tensors.test_y, run_dir, metrics,
                                           data.class_names, columns=data.columns)
                    log.pictures(drawn, metrics[-1]["epoch"] if metrics else 0)
    finally:
        log.close()
    return Run(run_dir, model.eval(), config, metrics, interrupted, controls.stopping.best_epoch,
               controls.stopping.reason(), stop.signal if interrupted else None)


class NoLog:
    """The TensorBoard log of a process other than 0, which writes nothing."""

    def epoch(self, *args: Any, **kwargs: Any) -> None:
        pass

    def pictures(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass
