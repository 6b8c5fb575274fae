"""Normalizing-flow posteriors: a diagonal Gaussian pushed through K invertible steps whose parameters depend
on x, so q(z|x) can be skewed, curved and correlated.

    z_0 ~ N(mean(x), diag(sigma(x)^2)),   z_K = f_K(... f_1(z_0)),
    log q(z_K|x) = log N(z_0) - sum_k log |det df_k/dz_{k-1}|

- `planar` (Rezende and Mohamed 2015): f(z) = z + u tanh(w.z + b), u constrained so that f is invertible;
  u, w, b come from the encoder's features (amortised).
- `iaf`, inverse autoregressive flow (Kingma et al. 2016): f(z) = s * z + (1 - s) * m with (m, s = sigmoid)
  from a masked (MADE) network of z and the encoder's features, so that output j sees z_<j only; the order of
  the dimensions is reversed between steps.

Each step is a torch Transform with a cache of one: the log-density of a sample the posterior has just drawn
is exact without inverting the flow (planar flows have no closed-form inverse). `FlowPosterior.mean` is the
flow applied to the Gaussian's mean: a representative code for embeddings and reconstructions, not the
expectation of q.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Independent, Normal, TransformedDistribution, constraints
from torch.distributions.transforms import Transform

from vaekit.config import ModelConfig
from vaekit.core.registry import POSTERIORS
from vaekit.core.seeded import standard_noise
from vaekit.core.tunable import Span
from vaekit.posteriors.base import Posterior
from vaekit.posteriors.diagonal_gaussian import DiagonalGaussianPosterior


class FlowPosterior(TransformedDistribution):
    """q(z|x) as a Gaussian base and x-dependent flow steps; `transforms` may only be inverted on samples the
    distribution itself drew (the step caches hold them)."""

    def reparameterize(self, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z, log q(z|x)): the Gaussian's draw pushed through the steps, change of variables forward only."""
        z, log_q = self.base_dist.reparameterize(noise)
        for step in self.transforms:  # calling the step caches (z, f(z)), so log_prob of the result needs no inverse
            moved = step(z)
            log_q = log_q - step.log_abs_det_jacobian(z, moved)
            z = moved
        return z, log_q

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        return self.reparameterize(standard_noise(self, sample_shape, generator, self.base_dist.mean))[0]

    @property
    def mean(self) -> torch.Tensor:
        z = self.base_dist.mean
        for transform in self.transforms:
            z = transform(z)
        return z


class _Step(Transform):
    """One flow step with per-example parameters; subclasses give forward and log|det J|."""

    domain = constraints.independent(constraints.real, 1)
    codomain = constraints.independent(constraints.real, 1)
    bijective = True

    def __init__(self) -> None:
        super().__init__(cache_size=1)

    def _inverse(self, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("flow posteriors score only the samples they drew themselves")


class _PlanarStep(_Step):
    def __init__(self, u: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> None:
        super().__init__()
        # invertibility needs w.u >= -1: move u along w (Rezende and Mohamed 2015, appendix A.1)
        wu = (w * u).sum(-1, keepdim=True)
        self.u = u + (F.softplus(wu) - 1 - wu) * w / (w * w).sum(-1, keepdim=True).clamp(min=1e-8)
        self.w, self.b = w, b

    def _activation(self, z: torch.Tensor) -> torch.Tensor:
        return (z * self.w).sum(-1, keepdim=True) + self.b

    def _call(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.u * torch.tanh(self._activation(z))

    def log_abs_det_jacobian(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        psi = (1 - torch.tanh(self._activation(z)) ** 2) * self.w
        return torch.log((1 + (psi * self.u).sum(-1)).abs() + 1e-8)


@POSTERIORS.register("planar")
class PlanarFlowPosterior(Posterior):
    """A diagonal Gaussian followed by `flow_steps` amortised planar steps.

    >>> q = PlanarFlowPosterior(400, 20, steps=4)(features)
    >>> z = q.rsample(); q.log_prob(z)   # exact for the sample just drawn
    """

    reads = frozenset({"flow_steps"})  # the ModelConfig settings it reads
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"flow_steps": Span(1, 8, integer=True)}

    def __init__(self, feature_dim: int, latent_dim: int, steps: int = 4) -> None:
        super().__init__()
        self.gaussian = DiagonalGaussianPosterior(feature_dim, latent_dim)
        self.steps, self.latent_dim = steps, latent_dim
        self.flow_head = nn.Linear(feature_dim, steps * (2 * latent_dim + 1))

    @classmethod
    def from_config(cls, feature_dim: int, cfg: ModelConfig) -> PlanarFlowPosterior:
        return cls(feature_dim, cfg.latent_dim, cfg.flow_steps)

    def forward(self, features: torch.Tensor) -> FlowPosterior:
        base = self.gaussian(features)
        d = self.latent_dim
        params = self.flow_head(features).unflatten(-1, (self.steps, 2 * d + 1))
        steps = [_PlanarStep(params[..., k, :d], params[..., k, d:2 * d], params[..., k, 2 * d:])
                 for k in range(self.steps)]
        return FlowPosterior(base, steps, validate_args=False)


class MaskedLinear(nn.Linear):
    """A linear layer whose weight is multiplied by a fixed 0/1 mask (MADE, Germain et al. 2015)."""

    def __init__(self, in_features: int, out_features: int, mask: torch.Tensor) -> None:
        super().__init__(in_features, out_features)
        self.register_buffer("mask", mask.float(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


class AutoregressiveNet(nn.Module):
    """(z, context) -> (m, s) of z's shape, where output j depends on z_<j (in `order`) and on the context."""

    def __init__(self, latent_dim: int, context_dim: int, hidden: int, reverse: bool) -> None:
        super().__init__()
        order = torch.arange(latent_dim).flip(0) if reverse else torch.arange(latent_dim)
        degrees_in = order + 1                                       # 1..d
        degrees_hidden = torch.arange(hidden) % max(latent_dim - 1, 1) + 1
        hidden_mask = degrees_hidden[:, None] >= degrees_in[None, :]
        out_mask = degrees_in[:, None] > degrees_hidden[None, :]
        self.first = MaskedLinear(latent_dim, hidden, hidden_mask)
        self.context = nn.Linear(context_dim, hidden)
        self.out = MaskedLinear(hidden, 2 * latent_dim, out_mask.repeat(2, 1))
        # start near the identity: s = sigmoid(2) ~ 0.88 keeps most of z (Kingma et al. 2016's forget-gate bias)
        nn.init.zeros_(self.out.weight)
        with torch.no_grad():
            self.out.bias[latent_dim:] = 2.0
            self.out.bias[:latent_dim] = 0.0

    def forward(self, z: torch.Tensor, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.elu(self.first(z) + self.context(context))
        m, s = self.out(h).chunk(2, dim=-1)
        return m, s


class _IAFStep(_Step):
    def __init__(self, net: AutoregressiveNet, context: torch.Tensor) -> None:
        super().__init__()
        self.net, self.context = net, context
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None  # (z, s) of the last call: the log-det reuses s

    def _net(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net(z, self.context.expand(*z.shape[:-1], -1))

    def _call(self, z: torch.Tensor) -> torch.Tensor:
        m, s = self._net(z)
        self._last = (z, s)
        gate = torch.sigmoid(s)
        return gate * z + (1 - gate) * m

    def log_abs_det_jacobian(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s = self._last[1] if self._last is not None and self._last[0] is z else self._net(z)[1]
        return F.logsigmoid(s).sum(-1)


@POSTERIORS.register("iaf")
class IAFPosterior(Posterior):
    """A diagonal Gaussian followed by `flow_steps` inverse autoregressive steps conditioned on the encoder's
    features; orders alternate between steps.

    >>> q = IAFPosterior(400, 20, steps=4)(features)
    """

    reads = frozenset({"flow_steps"})  # the ModelConfig settings it reads
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"flow_steps": Span(1, 8, integer=True)}

    def __init__(self, feature_dim: int, latent_dim: int, steps: int = 4, hidden: int = 0) -> None:
        super().__init__()
        self.gaussian = DiagonalGaussianPosterior(feature_dim, latent_dim)
        hidden = hidden or max(2 * latent_dim, 16)
        self.nets = nn.ModuleList(AutoregressiveNet(latent_dim, feature_dim, hidden, reverse=k % 2 == 1)
                                  for k in range(steps))

    @classmethod
    def from_config(cls, feature_dim: int, cfg: ModelConfig) -> IAFPosterior:
        return cls(feature_dim, cfg.latent_dim, cfg.flow_steps)

    def forward(self, features: torch.Tensor) -> FlowPosterior:
        base = self.gaussian(features)
        return FlowPosterior(base, [_IAFStep(net, features) for net in self.nets], validate_args=False)


def base_and_steps(q: torch.distributions.Distribution) -> tuple[Normal, list[Transform]]:
    """The Gaussian base (its Normal) and the flow steps of a posterior; no steps for a diagonal Gaussian."""
    if isinstance(q, FlowPosterior):
        base, steps = q.base_dist, list(q.transforms)
    else:
        base, steps = q, []
    base = base.base_dist if isinstance(base, Independent) else base
    if not isinstance(base, Normal):
        raise TypeError(f"expected a Gaussian or flow posterior, got {type(base).__name__}")
    return base, steps
