"""Filling in missing values with a trained VAE: importance resampling (MIWAE), pseudo-Gibbs,
Metropolis-within-Gibbs and the encoder alone (a model trained with entries hidden), one file each; `impute` is
the one entry point, and `method_for` the method a run's training suits.

    filled = impute(model, x)                                   # x: NaN where missing; observed entries kept as given
    draws = impute(model, x, method="importance", draws=5)      # (5, N, *shape): multiple imputation
    filled = impute(model, x, method="metropolis", iterations=200, seed=1)
    filled = impute(model, frame)                               # a pandas DataFrame: a DataFrame, same columns
    filled = impute(run.model, x, method=method_for(run.config))  # encoder for a run trained with corruption: hide
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from vaekit.config.fields import check_seed
from vaekit.core.errors import VaekitError
from vaekit.data.corruption import HIDING
from vaekit.model.input_checks import as_checked_data, numbers_of_frame
from vaekit.model.size import check_output_fits
from vaekit.tasks.imputation.encoder import encoder_impute
from vaekit.tasks.imputation.gibbs import gibbs_impute
from vaekit.tasks.imputation.importance import importance_impute
from vaekit.tasks.imputation.metropolis import metropolis_impute
from vaekit.tasks.imputation.partial import PartialBatch, batch_size_for
from vaekit.tasks.imputation.ranges import check_complete, check_within_training

# method name -> (batch, draws, k, iterations) -> (draws, B, *shape)
METHODS: dict[str, Callable[[PartialBatch, int, int, int], torch.Tensor]] = {
    "importance": importance_impute,
    "gibbs": gibbs_impute,
    "metropolis": metropolis_impute,
    "encoder": encoder_impute,
}
DEFAULT_K = {"importance": 1000, "gibbs": 100, "metropolis": 100, "encoder": 100}
COPIES = 3  # copies of the draws held at once (memory check before the work)


@torch.no_grad()
def impute(model: torch.nn.Module, x: Any, method: str = "importance", draws: int = 1, k: int | None = None,
           iterations: int = 100, seed: int = 0, y: torch.Tensor | None = None,
           columns: Sequence[str] | None = None, ids: Sequence[Any] | None = None) -> Any:
    """x (N, *data_shape), a tensor or numpy array with NaN where values are missing, filled in by `model`.

    draws = 1 gives the single imputation, an estimate of E[x_miss | x_obs] (the most probable value for a
    table's binary and categorical columns); draws > 1 gives that many draws from p(x_miss | x_obs), shape
    (draws, N, *data_shape), for multiple imputation. k: importance samples (importance, default 1000) or
    parallel chains averaged for a single imputation (gibbs, metropolis, default 100), or codes averaged (encoder,
    default 100); iterations: the chains' sweeps. The observed entries come back bit for bit, in x's own type and
    dtype (a pandas DataFrame of numbers comes back as a float32 DataFrame with its columns and index; with
    draws > 1, as an array); the same seed gives the same result. Labels y for a conditional VAE.

    Refused (VaekitError) before any work: counts whose draws would not fit in memory, and an observed value far
    outside what the run was trained on (ranges.py), named by its row (`ids`, a frame's index) and column
    (`columns`, a frame's). Refused after it: an imputed value that is not a number; no answer comes back with holes.
    """
    if method not in METHODS:
        raise VaekitError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    check_seed("seed", seed)
    # the chains need at least one sweep; importance resampling has none to make
    draws, iterations = _count(draws, "draws", 1), _count(iterations, "iterations", int(method != "importance"))
    k = DEFAULT_K[method] if k is None else _count(k, "k", 1)
    frame, x = x, numbers_of_frame(x)
    if frame is not x:  # a DataFrame names its rows and columns
        columns = [str(name) for name in frame.columns] if columns is None else columns
        ids = list(frame.index) if ids is None else ids
    as_numpy = isinstance(x, np.ndarray)
    original = torch.from_numpy(np.ascontiguousarray(x)) if as_numpy else x
    checked = as_checked_data(original, model, move=False, missing=True)
    missing = torch.isnan(checked)
    # the answer holds draws x N examples, COPIES times (the draws, the answer filled from them, its rows); and
    # importance resampling decodes k draws of an example at once, each the decoder's outputs and their log-density
    check_output_fits(draws * len(checked), model.data_shape, "imputed examples", f"--draws {draws}", COPIES)
    check_output_fits(k, model.data_shape, "decoded draws of one example", f"--k {k}",
                      COPIES * max(1, int(model.likelihood.params_per_element)))
    check_within_training(model, checked, columns, ids)
    empty = (~missing).flatten(1).sum(1) == 0
    if bool(empty.any()):
        raise VaekitError(f"every value of example {int(empty.nonzero()[0])} (0-based) is missing "
                          f"({int(empty.sum())} such examples); there is nothing to impute from: drop them")
    was_training = model.training
    model.eval()
    device = model.device
    # importance resampling decodes k draws per example whatever `draws` is; the chains, one per draw (or k)
    samples = k if method == "importance" or draws == 1 else draws
    chunk = batch_size_for(model, samples, model.likelihood.params_per_element)
    parts = []
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for start in range(0, len(checked), chunk):
            rows = slice(start, start + chunk)
            bound = model.given(None if y is None else y[rows].to(device))
            batch = PartialBatch.of(bound, checked[rows].to(device))
            parts.append(METHODS[method](batch, draws, k, iterations).cpu())
    model.train(was_training)
    imputed = torch.cat(parts, dim=1).to(original.device)  # beside x (and its mask), which may be on a GPU
    filled = original.unsqueeze(0).repeat(draws, *[1] * original.dim())
    filled[:, missing] = imputed[:, missing].to(filled.dtype)  # observed entries untouched, bit for bit
    check_complete(filled, missing.expand_as(filled), columns, ids)
    result = filled[0] if draws == 1 else filled
    if frame is not x and draws == 1:  # given a DataFrame: the same table back, filled in
        return type(frame)(result.numpy(), index=frame.index, columns=frame.columns)
    return result.numpy() if as_numpy else result


def method_for(config: Any) -> str:
    """The method a run's training suits: encoder for a model trained to fill in entries hidden from it
    (objective.corruption: hide), whose q(z | x_obs) is its conditional; importance resampling for the others."""
    return "encoder" if config.objective.corruption == HIDING else "importance"


def _count(value: Any, name: str, least: int) -> int:
    try:
        count = operator.index(value)
    except TypeError:
        raise VaekitError(f"{name} must be a whole number, got {value!r}") from None
    if isinstance(value, bool) or count < least:
        raise VaekitError(f"{name} must be at least {least}, got {value!r}")
    return count
