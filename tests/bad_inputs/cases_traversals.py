"""Bad traversal requests: an example outside the data, no dimensions, one step, a range that is not a positive
number of standard deviations, an output that is not a .png, a run that is not there, and the same through the
Python API (dimensions outside the latent, a conditional VAE without its label)."""

from __future__ import annotations

import numpy as np
import torch

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.config import ModelConfig
from vaekit.model.build import build_model
from vaekit.tasks.traversals import dimension_order, traversals

PLOT = ["plot", "traversals", "{run}"]


def _model(w: Workspace):  # type: ignore[no-untyped-def]  # the workspace's digits run, latent size 2
    return vaekit.load(w.run)


def _digits(n: int = 2) -> torch.Tensor:
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def _cvae():  # type: ignore[no-untyped-def]
    return build_model(ModelConfig(latent_dim=2, hidden=[8], conditional=True), (1, 8, 8), "image", num_classes=3)


CASES = [
    Case("traversals-example-out-of-range", r"--example 5000 is out of range: the test split has \d+ examples",
         [*PLOT, "--example", "5000"]),
    Case("traversals-example-out-of-range-data", r"--example 300 is out of range: .*held\.npy has 4 examples",
         [*PLOT, "--data", "{root}/held.npy", "--example", "300"],
         setup=lambda w: np.save(w.path("held.npy"), _digits(4).numpy())),
    Case("traversals-dims-zero", r"--dims must be at least 1, got 0", [*PLOT, "--dims", "0"]),
    Case("traversals-steps-one", r"--steps must be at least 2, got 1", [*PLOT, "--steps", "1"]),
    Case("traversals-range-zero", r"--range must be a positive number of prior standard deviations, got 0",
         [*PLOT, "--range", "0"]),
    Case("traversals-range-nan", r"--range must be a positive number .*got nan", [*PLOT, "--range", "nan"]),
    Case("traversals-not-png", r"t\.jpg: the traversal picture is a \.png", [*PLOT, "--out", "{root}/t.jpg"]),
    Case("traversals-no-run", r"run directory .*nope does not exist", ["plot", "traversals", "{root}/nope"]),
    Case("traversals-api-dim-outside", r"latent dimensions to traverse must be between 0 and 1, got \[2\]",
         api=lambda w: traversals(_model(w), _digits(), dims=[0, 2])),
    Case("traversals-api-no-dims", r"latent dimensions to traverse must be between 0 and 1, got none",
         api=lambda w: traversals(_model(w), _digits(), dims=[])),
    Case("traversals-api-one-step", r"a traversal needs at least 2 steps, got 1",
         api=lambda w: traversals(_model(w), _digits(), steps=1)),
    Case("traversals-api-negative-range", r"positive number of prior standard deviations, got -1",
         api=lambda w: traversals(_model(w), _digits(), spread=-1.0)),
    Case("traversals-api-cvae-no-label", r"conditional VAE: a traversal needs the example's label",
         api=lambda w: traversals(_cvae(), _digits())),
    Case("traversals-api-order-no-data", r"no examples to measure the KL",
         api=lambda w: dimension_order(_model(w), _digits(0))),
]
