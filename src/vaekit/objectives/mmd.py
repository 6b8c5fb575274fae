"""Maximum mean discrepancy between two samples, with the kernels InfoVAE uses (Zhao et al. 2017).

    mmd(a, b) = mean k(a, a') + mean k(b, b') - 2 mean k(a, b)

The biased (V-statistic) estimate: never negative, and exactly 0 for identical samples.
"""

from __future__ import annotations

import torch

from vaekit.core.errors import ConfigError


def kernel(a: torch.Tensor, b: torch.Tensor, name: str = "imq") -> torch.Tensor:
    """(len(a), len(b)) kernel matrix for samples of d dimensions, with the scale 2 d that suits a N(0, I) prior:
    rbf exp(-|a - b|^2 / 2d), imq (inverse multiquadric) 2d / (2d + |a - b|^2)."""
    scale = 2.0 * a.shape[-1]
    distance = torch.cdist(a, b).pow(2)
    if name == "rbf":
        return torch.exp(-distance / scale)
    if name == "imq":
        return scale / (scale + distance)
    raise ConfigError(f"unknown MMD kernel {name!r}; choose rbf or imq")


def mmd(a: torch.Tensor, b: torch.Tensor, name: str = "imq") -> torch.Tensor:
    """MMD^2 between samples a (n, d) and b (m, d)."""
    return kernel(a, a, name).mean() + kernel(b, b, name).mean() - 2 * kernel(a, b, name).mean()
