"""Bad training-control settings (early stopping, learning-rate schedules, MLflow) and best-weights requests."""

from __future__ import annotations

import io
import sys

import numpy as np

import vaekit
from bad_inputs.case import Case, Workspace

NEW = ["--out", "{root}/new"]


def _no_mlflow(workspace: Workspace) -> None:
    workspace.monkeypatch.setitem(sys.modules, "mlflow", None)  # as if it were not installed
    workspace.monkeypatch.setitem(sys.modules, "mlflow.tracking", None)


def _without_best(workspace: Workspace) -> None:
    (workspace.run / "model-best.safetensors").unlink()  # a run trained before the best epoch was kept


def _gappy_npy() -> bytes:
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    x[::3, 1] = np.nan
    buffer = io.BytesIO()
    np.save(buffer, x)
    return buffer.getvalue()


CASES = [
    Case("lr-schedule-unknown", r"train\.lr_schedule must be one of none, cosine, step, plateau; got 'cosin'",
         ["train", "--lr-schedule", "cosin", *NEW]),
    Case("lr-schedule-not-a-string", r"train\.lr_schedule must be a string",
         ["train", "--config", "{root}/c.yaml", *NEW], setup=lambda w: w.write("c.yaml", "train:\n  lr_schedule: 3\n")),
    Case("early-stopping-negative", r"early_stopping must be 0 \(off\), a number of epochs or auto; got -1",
         ["train", "--early-stopping", "-1", *NEW]),
    Case("early-stopping-not-a-number", r"train\.early_stopping must be an integer or auto; got 'five'",
         ["train", "--early-stopping", "five", *NEW]),
    Case("stop-on-unknown", r"train\.stop_on must be one of validation-elbo, hidden-entries; got 'hidden'",
         ["train", "--stop-on", "hidden", *NEW]),
    Case("stop-on-hidden-entries-streamed",
         r"--stop-on hidden-entries needs the whole training set in memory.*stop on the validation -ELBO, or train "
         r"with --streaming off",
         ["train", "--data", "{root}/gaps.npy", "--stop-on", "hidden-entries", "--streaming", "on", "--workers", "0",
          "--epochs", "1", *NEW], setup=lambda w: w.write("gaps.npy", _gappy_npy())),
    Case("min-delta-nan", r"train\.min_delta must be a finite number", ["train", "--min-delta", "nan", *NEW]),
    Case("min-delta-negative", r"min_delta must be zero or positive nats, got -0\.1",
         ["train", "--min-delta", "-0.1", *NEW]),
    Case("lr-gamma-zero", r"lr_gamma must be between 0 and 1", ["train", "--lr-schedule", "step", "--lr-gamma", "0",
                                                                *NEW]),
    Case("lr-gamma-above-one", r"lr_gamma must be between 0 and 1 .*got 1\.5",
         ["train", "--lr-schedule", "plateau", "--lr-gamma", "1.5", *NEW]),
    Case("lr-step-epochs-zero", r"lr_step_epochs must be at least 1, got 0",
         ["train", "--lr-schedule", "step", "--lr-step-epochs", "0", *NEW]),
    Case("lr-patience-negative", r"lr_patience must be zero or positive, got -2",
         ["train", "--lr-schedule", "plateau", "--lr-patience", "-2", *NEW]),
    Case("mlflow-uri-without-mlflow", r"mlflow_uri is set but MLflow logging is off; add --mlflow",
         ["train", "--mlflow-uri", "{root}/store", *NEW]),
    Case("mlflow-uri-unknown-scheme", r"mlflow_uri 'ftp://example\.org/x' is neither a folder nor a URI MLflow can use",
         ["train", "--mlflow", "--mlflow-uri", "ftp://example.org/x", *NEW]),
    Case("mlflow-uri-is-a-file", r"mlflow_uri .*notes\.txt is a file; give a folder",
         ["train", "--mlflow", "--mlflow-uri", "{root}/notes.txt", *NEW], setup=lambda w: w.write("notes.txt", "x")),
    Case("mlflow-experiment-empty", r"mlflow_experiment must name an experiment",
         ["train", "--mlflow", "--mlflow-experiment", " ", *NEW]),
    Case("mlflow-not-installed", r"--mlflow needs the mlflow package; install it with pip install 'vaekit\[mlflow\]'",
         ["train", "--mlflow", "--mlflow-uri", "{root}/store", *NEW], setup=_no_mlflow),
    Case("load-best-missing", r"has no model-best\.safetensors .*use weights=\"final\"",
         api=lambda w: vaekit.load(w.run, weights="best"), setup=_without_best),
    Case("load-weights-unknown", r"weights must be one of final, best, got 'last'",
         api=lambda w: vaekit.load(w.run, weights="last")),
]

# a setting that modifies an option that is off would be ignored without a word: refused, naming the remedy
CASES += [
    Case("min-delta-without-early-stopping", r"min_delta is set to 0\.5 but the option it modifies is off.*"
         r"--early-stopping N", ["train", "--epochs", "2", "--min-delta", "0.5", *NEW]),
    Case("lr-gamma-without-a-schedule", r"lr_gamma is set to 0\.5 .*add --lr-schedule step or plateau",
         ["train", "--lr-gamma", "0.5", *NEW]),
    Case("lr-patience-with-a-step-schedule", r"lr_patience is set to 5 .*add --lr-schedule plateau",
         ["train", "--lr-schedule", "step", "--lr-patience", "5", *NEW]),
    Case("wandb-project-without-wandb", r"wandb_project is set to mine .*add --wandb",
         ["train", "--wandb-project", "mine", "--epochs", "1", "--out", "{root}/new"]),
    Case("wandb-mode-unknown", r"train.wandb_mode must be one of auto, online, offline; got .cloud.",
         ["train", "--wandb", "--wandb-mode", "cloud", "--epochs", "1", "--out", "{root}/new"]),
    Case("mlflow-experiment-without-mlflow", r"mlflow_experiment is set to mine .*add --mlflow",
         ["train", "--mlflow-experiment", "mine", *NEW]),
    Case("grad-clip-negative-named-alone", r"^error: grad_clip must be zero or positive, got -1\.0$",
         ["train", "--grad-clip", "-1", *NEW]),
]
# a tracking server that does not answer: given up on in seconds (bounded_waits), not MLflow's 250 s of silence
CASES += [
    Case("mlflow-server-not-answering",
         r"MLflow store http://127\.0\.0\.1:9 did not accept the run .*check --mlflow-uri",
         ["train", "--epochs", "1", "--mlflow", "--mlflow-uri", "http://127.0.0.1:9", *NEW], changes=("mlflow.db",)),
]
