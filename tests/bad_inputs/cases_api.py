"""Misuse of the Python API (inputs of the wrong type, shape, dtype or values) and settings a part does not read."""

from __future__ import annotations

import numpy as np
import torch

import vaekit
from bad_inputs.case import Case
from vaekit.tasks.outputs import embed


def _model(w):  # the workspace's trained digits run: a Bernoulli model of (1, 8, 8) images, latent size 2
    return vaekit.load(w.run)


def _digits(n: int = 3) -> torch.Tensor:
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(0))


CASES = [
    Case("api-elbo-outside-support", r"bernoulli likelihood .*\[0, 1\].*spans",
         api=lambda w: _model(w).elbo(_digits() * 5)),
    Case("api-elbo-nan", r"NaN", api=lambda w: _model(w).elbo(torch.full((2, 1, 8, 8), float("nan")))),
    Case("api-reconstruct-nan", r"NaN", api=lambda w: _model(w).reconstruct(
        torch.where(_digits() > 0.5, torch.nan, _digits()))),
    Case("api-encode-wrong-shape", r"x must have shape \(N, 1, 8, 8\).*got \(3, 64\)",
         api=lambda w: _model(w).encode(_digits().reshape(3, 64))),
    Case("api-encode-no-batch-axis", r"x must have shape \(N, 1, 8, 8\).*got \(1, 8, 8\)",
         api=lambda w: _model(w).encode(_digits()[0])),
    Case("api-elbo-integer-pixels", r"0\.\.255.*divide by 255",
         api=lambda w: _model(w).elbo((_digits() * 255).round().to(torch.uint8))),
    Case("api-encode-list", r"x must be a torch tensor or a numpy array, got list",
         api=lambda w: _model(w).encode(_digits().tolist())),
    Case("api-sample-negative", r"n must be at least 1, got -1", api=lambda w: _model(w).sample(-1)),
    Case("api-sample-zero", r"n must be at least 1, got 0", api=lambda w: _model(w).sample(0)),
    Case("api-decode-wrong-latent", r"z must have shape \(\.\.\., 2\).*got \(4, 3\)",
         api=lambda w: _model(w).decode(torch.zeros(4, 3))),
    Case("api-embed-numpy-nan", r"NaN", api=lambda w: embed(_model(w), np.full((2, 1, 8, 8), np.nan))),
    Case("api-evaluate-wrong-shape", r"x must have shape \(N, 1, 8, 8\)",
         api=lambda w: vaekit.evaluate(_model(w), torch.rand(4, 1, 28, 28), k=2)),
    Case("api-encode-complex", r"complex", api=lambda w: _model(w).encode(_digits().to(torch.complex64))),
    Case("likelihood-unknown-lists-auto", r"unknown likelihood 'nonsense'; choose one of: auto, autoregressive, "
         r"autoregressive_gaussian, bernoulli, categorical, continuous_bernoulli, discretized_logistic, gaussian, "
         r"laplace, mixed",
         ["train", "--likelihood", "nonsense", "--out", "{root}/new"]),
    Case("iwae-free-bits", r"free_bits.*iwae objective.*elbo, factor_vae, info_vae",
         ["train", "--objective", "iwae", "--free-bits", "1", "--out", "{root}/new"]),
    Case("beta-tcvae-capacity", r"capacity.*beta_tcvae objective.*elbo, factor_vae, info_vae",
         ["train", "--objective", "beta_tcvae", "--capacity", "5", "--out", "{root}/new"]),
]
