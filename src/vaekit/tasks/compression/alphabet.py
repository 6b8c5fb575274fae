"""What BB-ANS codes a data element as: one of L discrete values, with the probabilities p(x|z) gives them.

The likelihood says which values it gives probabilities to: `Likelihood.levels` (256 for 8-bit likelihoods: the
values k / 255), or, for a likelihood of discrete values (not a density) whose distribution is supported on
{0, 1} (Bernoulli), the two values 0 and 1. A density of continuous values (Gaussian, continuous Bernoulli) or a
table's mixed likelihood has no such alphabet and cannot be coded losslessly here.

    levels = alphabet_size(model)               # 2 or 256
    symbols = to_symbols(x, levels)             # int32 k with x == k / (levels - 1) exactly, else a VaekitError
    table = level_probabilities(model.decode(z), levels)   # (B * D, levels) float64
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch.distributions import Distribution, Independent, constraints

from vaekit.core.errors import DataError, VaekitError
from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.observed import unwrapped

# level log-probabilities are computed this many levels at a time: 256 levels of a 5-component logistic mixture
# for a batch of images at once would take gigabytes
LEVELS_AT_ONCE = 32


def _base(px: Distribution) -> Distribution:
    """The per-element distribution under Independent (and under the observed-entries wrapper of a model trained
    on data with missing values: the data compressed here have none)."""
    px = unwrapped(px)
    while isinstance(px, Independent):
        px = px.base_dist
    return px


def alphabet_size(model: torch.nn.Module) -> int:
    """How many discrete values p(x|z) gives each data element probabilities for: 2 for binary data, the
    likelihood's `levels` (256) for 8-bit data. A likelihood of continuous values is refused."""
    part = model.likelihood
    if part.levels is not None:
        return part.levels
    if not part.density:
        base = _base(model.decode(torch.zeros(1, model.latent_dim, device=model.device)))
        if base.support is constraints.boolean:
            return 2
    leveled = ", ".join(n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).levels is not None)
    raise VaekitError(f"compress codes discrete data with the probabilities p(x|z) gives them, but this model's "
                      f"{type(part).__name__} does not give probabilities of a fixed set of values; use a run with "
                      f"a Bernoulli likelihood on binary data, or one with a 256-level likelihood ({leveled}) on "
                      "8-bit data")


def _what(levels: int) -> tuple[str, str]:
    if levels == 2:
        return "binary data (0 or 1)", "binarize it first (for example x > 0.5, or the run's own --binarize)"
    return (f"{levels}-level data (values k/{levels - 1})",
            f"quantize it first (round({levels - 1} x) / {levels - 1}, or save it as uint8 0..{levels - 1})")


def to_symbols(x: torch.Tensor, levels: int) -> torch.Tensor:
    """The level k (int32) of every element of x, which must equal k / (levels - 1) exactly in float32 (as vaekit
    reads uint8 images or 0/1 data); anything else is refused, since it could not come back bit for bit."""
    scaled = x * (levels - 1)
    symbols = scaled.round().clamp(0, levels - 1).to(torch.int32)
    exact = torch.equal(from_symbols(symbols, levels), x)
    if not exact:
        what, remedy = _what(levels)
        off = int((from_symbols(symbols, levels) != x).flatten(1).any(1).sum())
        raise DataError(f"this model codes {what}, but {off} of {len(x)} examples hold other values; {remedy}")
    return symbols


def from_symbols(symbols: torch.Tensor, levels: int) -> torch.Tensor:
    """The float32 values k / (levels - 1) of levels k: the same float32 division vaekit's loader does."""
    return symbols.to(torch.float32) / (levels - 1)


@runtime_checkable
class LevelTable(Protocol):
    def level_probs(self) -> torch.Tensor:
        """(*batch_shape, levels) float64 probabilities of every level of every element."""
        ...


def level_probabilities(px: Distribution, levels: int) -> torch.Tensor:
    """(N * D, levels) float64 table: p(x_i = k / (levels - 1) | z) for every element i of a batch, in the data's
    flattened order. A distribution that declares `level_probs` (the 8-bit ones) gives the table itself; for the
    others, exp of its own float32 log-probabilities at each level. Either way compress and decompress (which
    compute it from the same z) agree bit for bit; the coder normalises each row to its fixed precision."""
    base = _base(px)
    if isinstance(base, LevelTable):
        return base.level_probs().reshape(-1, levels).contiguous()
    values = torch.arange(levels, dtype=torch.float32) / (levels - 1)  # coding runs on the CPU
    pieces = []
    for start in range(0, levels, LEVELS_AT_ONCE):
        chunk = values[start:start + LEVELS_AT_ONCE]
        grid = chunk.reshape(-1, *([1] * len(base.batch_shape))).expand(len(chunk), *base.batch_shape)
        pieces.append(base.log_prob(grid).reshape(len(chunk), -1))
    # contiguous: the coder reads the table's memory row by row, whatever its strides say
    return torch.cat(pieces).T.to(torch.float64).exp().contiguous()
