"""Discrete pixels and uniform dequantization: how a continuous density scores 8-bit (or binary) data honestly.

A pixel with L levels, scaled to x = k / (L - 1), is one of L values; a density on [0, 1] can put unbounded mass
near each value, so its log-density says nothing about the discrete data. Uniform dequantization
(Theis et al. 2016) spreads pixel k over the bin [k / L, (k + 1) / L):

    y = (k + u) / L,  u ~ U[0, 1)^D      and      log P(k) >= E_u[log p(y)] - D log L

so -log p(y) + D log L is an upper bound on the discrete negative log-likelihood, comparable with published
8-bit numbers (L = 256) in nats, or in bits per dimension after dividing by D log 2.

    levels = quantization_levels(images)        # 256 for 8-bit pixels scaled to [0, 1], None for real values
    y = dequantize(images, levels, generator)   # in [0, 1), floor(y * levels) recovers the pixel
"""

from __future__ import annotations

import torch

MAX_LEVELS = 256
# values as float32 fractions k / (L - 1): a float32 rounding error is far below this
_TOLERANCE = 1e-4


def quantization_levels(x: torch.Tensor) -> int | None:
    """The number L of evenly spaced levels (0, 1/(L-1), ..., 1) that all values of x lie on, smallest first,
    for 2 <= L <= 256; None when x is not on such a grid (real-valued data, or values outside [0, 1])."""
    x = x.detach().float().cpu().flatten()
    # a guess from the first values, checked against all of them: sorting 55 million pixels for their distinct
    # values takes seconds, one vectorised check a fraction of one
    guess = _levels_of(torch.unique(x[:100_000]))
    if guess is not None and _on_grid(x, guess - 1):
        return guess
    return _levels_of(torch.unique(x))


def _on_grid(values: torch.Tensor, steps: int) -> bool:
    scaled = values * steps
    return bool(((scaled - scaled.round()).abs() <= _TOLERANCE * steps).all())


def _levels_of(values: torch.Tensor) -> int | None:
    if len(values) > MAX_LEVELS or values.min() < 0 or values.max() > 1:
        return None
    for steps in range(1, MAX_LEVELS):
        if _on_grid(values, steps):
            return steps + 1
    return None


def dequantize(x: torch.Tensor, levels: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each value k / (levels - 1) moved to a uniform draw in its bin [k / levels, (k + 1) / levels)."""
    pixels = (x * (levels - 1)).round()
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    # y stays below 1, so the top level's bin is half-open like every other one
    return ((pixels + noise) / levels).clamp(max=1 - torch.finfo(x.dtype).eps)
