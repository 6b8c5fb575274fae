"""Checks of what the Python API is given, so that misuse is a one-line VaekitError, not a raw torch error or,
worse, a number: `model.elbo(x * 5)` on a Bernoulli model would otherwise score data outside [0, 1].

Two levels, by cost:

- `as_data` / `as_latent` (metadata only: type, shape, dtype, device; no reduction, no device sync): run by
  `encode` and `decode`, which the training step calls, so they cost the step microseconds.
- `as_checked_data`: `as_data` plus one reduction over the values (NaN or infinity, and the likelihood's declared
  data support): run by the entry points a user calls with data (`elbo`, `reconstruct`, `embed`, `evaluate`).
  The trainer instead checks the whole data set once before training (training/data_checks.py check_data_fits).

    x = as_checked_data(np.asarray(images), model)   # a float32 tensor on the model's device, or a VaekitError
"""

from __future__ import annotations

import operator
import sys
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.base import support_text


def _tensor(value: Any, name: str) -> torch.Tensor:
    """A tensor from a tensor, a numpy array or a pandas DataFrame of numbers (anything else is refused: a list of
    lists is ambiguous about dtype and slow)."""
    if isinstance(value, torch.Tensor):
        return value
    value = numbers_of_frame(value, name)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise VaekitError(f"{name} must hold numbers, got a numpy array of {value.dtype}")
        return torch.from_numpy(np.ascontiguousarray(value))
    raise VaekitError(f"{name} must be a torch tensor or a numpy array, got {type(value).__name__}")


def is_frame(value: Any) -> bool:
    """Whether `value` is a pandas DataFrame, without importing pandas: a caller who never loaded it passed none."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def numbers_of_frame(value: Any, name: str = "x") -> Any:
    """A pandas DataFrame's values as a numpy array (a table of numbers, as an array would hold them); anything
    else as it is. pandas is not imported for it: a caller who never loaded pandas passed no DataFrame."""
    if not is_frame(value):
        return value
    try:
        # a copy of its own: pandas may hand out a read-only view, which torch will not wrap
        return np.array(value.to_numpy(dtype=np.float32, na_value=np.nan))
    except (TypeError, ValueError):
        raise VaekitError(f"{name} must hold numbers; its columns {_text_columns(value)} do not (code categories as "
                          "numbers first, or train on the table with `vaekit train --data FILE.csv`)") from None


def _text_columns(frame: Any) -> str:
    names = [str(column) for column, kind in frame.dtypes.items() if kind.kind not in "biuf"]
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _on_model(x: torch.Tensor, model: Any, name: str, move: bool) -> torch.Tensor:
    """x in the model's floating dtype and, with `move`, on its device.

    Integers and booleans become the model's dtype (pixel counts or 0/1 codes are exact in float32); other float
    dtypes too (float64 data for a float32 model lose nothing a float32 model could use). A tensor on another
    device is moved rather than refused: the copy is what the caller means, and the results come back on the
    model's device as for any input. Inputs already right (the training step's batches) are returned as they are.
    """
    if x.is_complex():
        raise VaekitError(f"{name} must be real numbers, got a complex tensor ({x.dtype})")
    buffer = model.data_shift  # every VAE has it; .to(), .double() and .cuda() move and convert it with the weights
    if x.dtype != buffer.dtype:  # not on the training step's path: looking up a weight costs tens of microseconds
        dtype = _dtype_of(model)
        if dtype is not None or not x.is_floating_point():
            x = x.to(dtype or buffer.dtype)
    if move and x.device != buffer.device:
        x = x.to(buffer.device)
    return x


def _dtype_of(model: Any) -> torch.dtype | None:
    """The dtype the model computes in: its first weight's (a model.double() is float64). None for a model with
    no weights (one assembled by hand from given tensors): floating inputs are then left as they are."""
    weight = next(model.parameters(), None)
    return None if weight is None else weight.dtype


def _shape_text(dims: tuple[Any, ...]) -> str:
    return "(" + ", ".join(map(str, dims)) + ")"


def as_data(x: Any, model: Any, name: str = "x", move: bool = True) -> torch.Tensor:
    """A batch of examples (N, *data_shape) for `model`, checked and converted from metadata alone."""
    original = _tensor(x, name)
    shape = tuple(model.data_shape)
    if original.dim() != len(shape) + 1 or tuple(original.shape[1:]) != shape or len(original) == 0:
        raise VaekitError(f"{name} must have shape {_shape_text(('N', *shape))}, a batch of N >= 1 examples of this "
                          f"model's shape, got {_shape_text(tuple(original.shape))}")
    return _on_model(original, model, name, move)


def as_latent(z: Any, model: Any, name: str = "z") -> torch.Tensor:
    """Latent codes (..., latent_dim) for `model`, checked and converted from metadata alone."""
    original = _tensor(z, name)
    if original.dim() == 0 or original.shape[-1] != model.latent_dim:
        raise VaekitError(f"{name} must have shape (..., {model.latent_dim}), latent codes of this model's size "
                          f"{model.latent_dim}, got {_shape_text(tuple(original.shape))}")
    return _on_model(original, model, name, move=True)


def as_checked_data(x: Any, model: Any, name: str = "x", move: bool = True, missing: bool | None = None
                    ) -> torch.Tensor:
    """`as_data`, then the values against the likelihood's data support (and NaN or infinity; NaN is a missing
    value for a model of them, `encoder_mask`, or where `missing` says so), with one reduction: a device sync per
    call, so not for the training step."""
    original = _tensor(x, name)
    checked = as_data(original, model, name, move)
    support = model.likelihood.data_support  # the part's own: a token likelihood's ids stop at its vocabulary
    valid = support.check(checked) & torch.isfinite(checked)
    nan_is_missing = model.encoder_mask if missing is None else missing
    if nan_is_missing:  # NaN entries are missing values, not wrong
        valid = valid | torch.isnan(checked)
    if bool(valid.all()):
        return checked
    likelihood = LIKELIHOODS.name_of(model.likelihood) or type(model.likelihood).__name__
    hint = ""
    if not original.is_floating_point() and bool(support.check(torch.tensor(1.0))) \
            and not bool(support.check(torch.tensor(2.0))) and float(checked.max()) > 1:
        hint = "; integer pixels 0..255? divide by 255 first"
    raise VaekitError(f"this model's {likelihood} likelihood needs data in {support_text(support)}, but {name} "
                      f"{describe_values(checked)}{hint}")


def describe_values(x: torch.Tensor) -> str:
    """What is wrong with values, for an error message: NaN, infinity, or the range they span."""
    if bool(torch.isnan(x).any()):
        return f"has {int(torch.isnan(x).sum())} NaN values"
    if bool(torch.isinf(x).any()):
        return "has infinite values"
    return f"spans [{float(x.min()):.4g}, {float(x.max()):.4g}]"


def check_count(n: Any, name: str = "n") -> int:
    """A positive whole number of things to draw."""
    try:
        count = operator.index(n)
    except TypeError:
        raise VaekitError(f"{name} must be a whole number, got {n!r}") from None
    if isinstance(n, bool) or count < 1:
        raise VaekitError(f"{name} must be at least 1, got {n!r}")
    return count
