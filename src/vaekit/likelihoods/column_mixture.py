"""A mixture of M Gaussians for one standardized table column, every parameter from the decoder (the "mixture"
column type of the mixed likelihood; in the spirit of TVAE's mode-specific normalisation, Xu et al. 2019, but
learned end to end instead of fitted once by a variational Gaussian mixture):

    p(y | z) = sum_m softmax(logits)_m N(y; mean_m, exp(log_scale_m))

A column's parameters are a slice (..., 3M) laid out as [logits (M) | means (M) | log-scales (M)]; y is the column
standardized (the caller maps to the data's units and adds the Jacobian). One Gaussian with one scale per column
cannot follow a skewed or multi-modal column: its samples pile up around the column's mean; a mixture can.

    log_prob(params, y)   # (...,): log p(y | z)
    mean(params)          # (...,): sum_m w_m mean_m
    sample(params)        # (...,): a draw
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MIXTURE_COMPONENTS = 5
PARAMS_PER_COLUMN = 3 * MIXTURE_COMPONENTS
# A component that settles on a spike of equal values (a skewed column's many zeros) would shrink its scale toward 0
# and its density toward infinity; the floor (exp(-7), a thousandth of the column's standard deviation) keeps the
# log-likelihood finite. A soft floor, min + softplus(raw - min), rather than clamp(): the gradient never vanishes,
# so a component pushed under the floor can still come back, and from 0 up it is the identity to within 1e-3.
MIN_LOG_SCALE = -7.0
HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def components(params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(log-weights, means, log-scales), each (..., M), of the parameters (..., 3M)."""
    if params.shape[-1] % 3:
        raise ValueError(f"a column mixture takes 3M parameters (logits, means, log-scales), got {params.shape[-1]}")
    logits, means, raw = params.chunk(3, dim=-1)
    return torch.log_softmax(logits, dim=-1), means, MIN_LOG_SCALE + F.softplus(raw - MIN_LOG_SCALE)


def log_prob(params: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """log p(y) of values y (...,) under the mixtures (..., 3M); the shapes broadcast. A logsumexp over the
    components: no probability underflows where y lies far out in one component's tail."""
    log_weights, means, log_scales = components(params)
    z = (y.unsqueeze(-1) - means) * torch.exp(-log_scales)
    return torch.logsumexp(log_weights - 0.5 * z * z - log_scales - HALF_LOG_TWO_PI, dim=-1)


def mean(params: torch.Tensor) -> torch.Tensor:
    """E[y] = sum_m w_m mean_m, (...,)."""
    log_weights, means, _ = components(params)
    return (log_weights.exp() * means).sum(-1)


def sample(params: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One draw (...,) from each mixture: a component by its weight, then a value from its Gaussian."""
    with torch.no_grad():
        log_weights, means, log_scales = components(params)
        m = log_weights.shape[-1]
        picked = torch.multinomial(log_weights.exp().reshape(-1, m), 1, generator=generator)
        picked = picked.reshape(*log_weights.shape[:-1], 1)
        noise = torch.randn(log_weights.shape[:-1], generator=generator, device=params.device, dtype=params.dtype)
        return means.gather(-1, picked).squeeze(-1) + log_scales.gather(-1, picked).squeeze(-1).exp() * noise
