"""Refusing values far outside what a run was trained on, before imputing, and answers with holes, after; and
keeping what is filled in within each column's training range.

    check_within_training(model, x, columns=["age", "bmi"], ids=["p0", "p1"])   # VaekitError naming row and column
    check_complete(filled, missing, columns, ids)                                # every missing entry filled?
    filled = keep_in_ranges(filled, x, run.data_info["column_ranges"])           # as VAEImputer's keep_in_range

The scale is the one the run recorded when it trained: the encoder reads each value in standard deviations of
the training split (`model.standardize`: the model's data_shift and data_scale; a mixed table's likelihood
standardizes its continuous columns itself), and `likelihood.encoder_inputs` applies it. A value of 1e20 in a
column with a standard deviation of 5 is 2e19 of them away: the encoder's activations overflow and the
imputation of that row comes out NaN, which `vaekit impute` used to write as an empty cell after reporting
success. FAR_SDS is far enough that no training value could have been there (in n rows a value lies at most
sqrt(n - 1) standard deviations from their mean, Samuelson's inequality: 1000 is the edge of a million rows) and
near enough that the network has long stopped meaning anything. Images are left out: their pixels lie in a fixed
range, and a pixel almost always 0 in training (a border) has so small a deviation that a stroke there would
count as thousands of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from vaekit.core.errors import VaekitError

FAR_SDS = 1000.0  # training standard deviations: past this, a value is refused


def encoder_scale(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What the encoder reads of x (N, *shape), missing entries at 0: the values in training standard deviations
    where the run standardizes them (elsewhere the values as they are)."""
    filled = torch.nan_to_num(x.float(), nan=0.0).to(model.data_shift.device)  # where the recorded scale lives
    if model.standardize:
        filled = (filled - model.data_shift) / model.data_scale
    return model.likelihood.encoder_inputs(filled).cpu()


def check_within_training(model: torch.nn.Module, x: torch.Tensor, columns: Sequence[str] | None = None,
                          ids: Sequence[Any] | None = None) -> None:
    """A VaekitError naming the first row and column whose observed value lies more than FAR_SDS training
    standard deviations from the training mean (only runs that standardize, or a mixed table, have that scale)."""
    # a recorded scale: the model's standardization, or a likelihood with encoder inputs of its own (today only a
    # mixed table's, which standardizes its continuous columns); else data in a fixed range, checked elsewhere
    # against the likelihood's support. (A declared `standardizes_inputs` on likelihoods would say it outright.)
    if model.is_image or not (model.standardize or model.likelihood.encoder_input_width() is not None):
        return
    x = x.detach().cpu()
    observed = ~torch.isnan(x)
    z = encoder_scale(model, x).reshape(len(x), -1)
    far = (z.abs() > FAR_SDS).any(1) | ~torch.isfinite(z).all(1)
    if not bool(far.any()):
        return
    row = int(far.nonzero()[0])
    column, value, distance = _culprit(model, x[row], observed[row])
    name = columns[column] if columns is not None and column < len(columns) else f"column {column}"
    where = f"row {ids[row]}" if ids is not None else f"row {row} (0-based)"
    raise VaekitError(f"{where} has {value:g} in {name}, {distance:.3g} training standard deviations from the "
                      f"mean the run was trained on ({_rows(int(far.sum()))} so far out): the model's imputation "
                      "there would mean nothing, or not be a number; correct the value, or mark it missing (empty)")


def _rows(count: int) -> str:
    return f"{count} row" + ("" if count == 1 else "s")


def _culprit(model: torch.nn.Module, row: torch.Tensor, observed: torch.Tensor) -> tuple[int, float, float]:
    """(column, value, distance in standard deviations) of the row's farthest observed entry: each entry alone
    against the row with none (the encoder's scaling treats columns one at a time), so a one-hot coded column
    counts as one."""
    flat, seen = row.reshape(-1), observed.reshape(-1)
    base = encoder_scale(model, torch.zeros_like(row)[None])[0].reshape(-1)
    worst = (0, float(flat[0]), 0.0)
    for column in seen.nonzero().flatten().tolist():
        alone = torch.zeros_like(flat)
        alone[column] = flat[column]
        inputs = encoder_scale(model, alone.reshape(row.shape)[None])[0].reshape(-1)
        changed = inputs != base
        distance = float(inputs[changed].abs().max()) if bool(changed.any()) else 0.0
        distance = float("inf") if distance != distance else distance  # NaN: past any scale
        if distance > worst[2]:
            worst = (column, float(flat[column]), distance)
    return worst


def check_complete(filled: torch.Tensor, missing: torch.Tensor, columns: Sequence[str] | None = None,
                   ids: Sequence[Any] | None = None) -> None:
    """A VaekitError when an imputed entry (`missing`, of filled (draws, N, *shape)) is NaN or infinite: the
    answer would have holes, so none is written."""
    bad = missing & ~torch.isfinite(filled)
    if not bool(bad.any()):
        return
    _, row, column = (int(i) for i in bad.reshape(*bad.shape[:2], -1).nonzero()[0])
    name = columns[column] if columns is not None and column < len(columns) else f"entry {column}"
    where = f"row {ids[row]}" if ids is not None else f"row {row} (0-based)"
    raise VaekitError(f"the model could not impute {int(bad.sum())} of {int(missing.sum())} missing values (not a "
                      f"number), the first in {where}, {name}: that row's observed values are far outside what the "
                      "run was trained on, or the model is damaged; nothing was written")


def observed_ranges(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(low, high), each (D,): the range of each column of x (N, D) over its observed (not NaN) entries, what
    fill-ins are kept within: a run's data.column_ranges and VAEImputer's data_min_ and data_max_. A column with
    nothing observed has -inf and inf: nothing to keep it within."""
    missing = torch.isnan(x)
    low = x.masked_fill(missing, torch.inf).amin(0)
    high = x.masked_fill(missing, -torch.inf).amax(0)
    empty = missing.all(0)
    return low.masked_fill(empty, -torch.inf), high.masked_fill(empty, torch.inf)


def keep_in_ranges(filled: torch.Tensor, x: torch.Tensor, ranges: Sequence[Sequence[float]] | None) -> torch.Tensor:
    """filled ((draws,) N, D) with each entry that is missing in x (N, D) clipped to its column's [low, high]
    (`ranges`: the range each column took in the run's training rows, config.json's data.column_ranges); observed
    entries as they are. Why: a Gaussian decoder can stray far outside a column that is almost constant, and a
    continuous Bernoulli's mean never comes nearer 0 than about 0.06, where a column of zeros needs 0 (VAEImputer
    clips its fill-ins the same way, as IterativeImputer's min_value and max_value do). No ranges: as it is."""
    if ranges is None:
        return filled
    bounds = torch.tensor(ranges, dtype=filled.dtype)
    return torch.where(torch.isnan(x), filled.clamp(bounds[:, 0], bounds[:, 1]), filled)


__all__ = ["FAR_SDS", "check_complete", "check_within_training", "encoder_scale", "keep_in_ranges",
           "observed_ranges"]
