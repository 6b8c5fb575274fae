"""A run directory opened once: its config, its data description, its metrics and, on first use, its model.

    run = Run.open("runs/demo")        # reads and checks config.json, once
    run.config, run.data_info         # the settings, and config.json's "data" (shape, kind, columns, ...)
    model = run.load_model("cuda")    # built and loaded on first use, then kept (per device and weights)
    run.metrics                       # metrics.csv's rows ([] when there is none), read on first use

vaekit.train and vaekit.resume return a Run too, with the model they trained. Every command that takes a run
directory opens it once and passes the Run down, instead of a path that each step would read again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from vaekit.config import Config
from vaekit.model.vae import VAE
from vaekit.runs.directory import METRICS_FILE, check_weights, load_weights, read_run_record
from vaekit.runs.fingerprints import check_prior
from vaekit.runs.hub import hub_path, is_hub_address
from vaekit.runs.latent_prior import read_latent_prior
from vaekit.runs.metrics import read_metrics


class Run:
    """A run directory and what it holds: `path`, `model`, `config`, `metrics` (one row per epoch), `best_epoch`
    (the epoch kept), and for a run that training returns, how it ended (`interrupted`, `stopped_early`,
    `stop_signal`); for a run opened from its directory, `data_info` (config.json's "data") and `record`
    (config.json as saved)."""

    def __init__(self, path: str | Path, model: VAE | None, config: Config,
                 metrics: list[dict[str, float]] | None = None, interrupted: bool = False,
                 best_epoch: int | None = None,
                 stopped_early: str = "", stop_signal: int | None = None, data_info: dict[str, Any] | None = None,
                 record: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.config = config
        self.interrupted = interrupted
        self._best_epoch = best_epoch  # None: read back from metrics.csv on first use (best_epoch below)
        self.stopped_early = stopped_early  # why early stopping ended the run ('' when it did not)
        self.stop_signal = stop_signal  # the signal that interrupted it (SIGINT, SIGTERM)
        self.data_info = data_info
        self.record = record
        self._name = str(path)  # the directory as it was given, for messages
        self._metrics = metrics
        self._model = model
        self._models: dict[tuple[str, str], VAE] = {}

    @classmethod
    def open(cls, path: str | Path) -> Run:
        """The run in directory `path`: config.json read and checked once (a clear error when it is not a run
        directory or the file is damaged); the model is loaded by load_model, the metrics on first use. An
        address hf://user/name[@revision] opens that Hub repository's snapshot in the Hugging Face cache."""
        if is_hub_address(path):  # runs/hub.py: downloaded (or found in the cache, offline) first
            path = hub_path(str(path))
        record, config, data_info = read_run_record(path)
        return cls(path, None, config, data_info=data_info, record=record)

    def __str__(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"Run({self._name!r})"

    @property
    def model(self) -> VAE:
        """The model: the one training returned, the one load_model loaded last, or else its final weights on
        the CPU."""
        if self._model is None:
            self.load_model()
        assert self._model is not None
        return self._model

    @model.setter
    def model(self, model: VAE) -> None:
        self._model = model

    @property
    def best_epoch(self) -> int:
        """The epoch early stopping kept (model-best.safetensors): the one training tracked, or for a run opened
        from its directory the best_epoch of metrics.csv's last row (0: no epoch yet, or a run from a version that
        did not log it)."""
        if self._best_epoch is None:
            logged = self.metrics[-1].get("best_epoch", 0) if self.metrics else 0
            self._best_epoch = 0 if logged != logged else int(logged)  # NaN: a column an earlier version lacked
        return self._best_epoch

    @property
    def metrics(self) -> list[dict[str, float]]:
        if self._metrics is None:
            self._metrics = read_metrics(self.path / METRICS_FILE)
        return self._metrics

    @metrics.setter
    def metrics(self, rows: list[dict[str, float]]) -> None:
        self._metrics = rows

    def load_model(self, device: str | torch.device = "cpu", weights: str = "final") -> VAE:
        """The trained model in eval mode on `device`, with the final weights (model.safetensors) or the best
        epoch's ("best": model-best.safetensors); built and read once per device and weights."""
        check_weights(weights)
        key = (str(device), weights)
        if key not in self._models:
            if self.data_info is None:  # a Run made by training: its directory says what the data were
                self.record, self.config, self.data_info = read_run_record(self._name)
            model = load_weights(self._name, self.config, self.data_info, device, weights)
            if weights == "final" and self.record is not None:  # fit-prior fits the final weights' prior only
                check_prior(self._name, self.record, model)
                model.sampling_prior = read_latent_prior(self._name, self.record, model)
            self._models[key] = model
        self._model = self._models[key]
        return self._model


def load(run_dir: str | Path, device: str | torch.device = "cpu", weights: str = "final") -> VAE:
    """The trained model of a run directory, in eval mode, on `device`: Run.open(run_dir).load_model(...).

        model = vaekit.load("runs/demo")            # on the CPU
        model = vaekit.load("runs/demo", "cuda")    # or any device
        model = vaekit.load("runs/demo", weights="best")   # the best validation epoch's weights
        model = vaekit.load("hf://me/digits-vae")   # a run pushed to the Hugging Face Hub (pip install vaekit[hub])

    weights="final" reads model.safetensors (the last epoch's weights, or the best epoch's for a run trained with
    early stopping); weights="best" reads model-best.safetensors, the epoch with the lowest validation -ELBO (or
    of the figure early stopping follows instead: an objective's own bound, objectives/base.py stops_on_own_bound).
    """
    check_weights(weights)  # before the directory, as always
    return Run.open(run_dir).load_model(device, weights)
