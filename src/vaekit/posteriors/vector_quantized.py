"""The VQ-VAE posterior (van den Oord et al. 2017): encoder outputs snapped to the nearest entry of a codebook.

    z_e = W h(x)  as M vectors of D numbers,   k_m = argmin_j ||z_e,m - e_j||^2,   z_q = (e_{k_1}, ..., e_{k_M})

- Straight-through estimator: the decoder reads z = z_e + sg(z_q - z_e), whose value is z_q and whose gradient
  flows to z_e unchanged (d loss/d z_e = d loss/d z_q).
- Commitment loss: commitment * ||z_e - sg(z_q)||^2 per example, summed over positions and dimensions, added by
  the `vq` objective (objectives/vq.py) so that the encoder stays near the codes it picks.
- Codebook by exponential moving averages (the paper's appendix A.1), in each training forward pass (the module
  in training mode, gradients on): with n_j vectors of the batch assigned to code j and s_j their sum,
      N_j <- gamma N_j + (1 - gamma) n_j,   m_j <- gamma m_j + (1 - gamma) s_j,
      e_j  = m_j / N~_j,   N~_j = (N_j + eps) / (N + K eps) * N   (Laplace smoothing, N = sum_j N_j),
  so a code moves to the mean of the vectors that chose it, and no N~_j is 0.
- Data-dependent start: the first training batch sets the K codes to K random encoder outputs of that batch (codes
  drawn from N(0, I) far from the encoder's first outputs would leave all but one unused).
- Dead-code restarts: a code that no vector chose in `dead_code_steps` training steps is set to a random encoder
  output of the batch (with N_j = 1, m_j = that vector), so that all K codes stay in use.

q(k|x) is deterministic, a one-hot per position; against the uniform prior KL(q || p) = M log K exactly, the rate
vaekit reports (M log2 K bits of code per image). The codebook lives in the prior module (priors/codes.py), which
the model passes to this posterior: it is the support of both.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, constraints, register_kl

from vaekit.config import ModelConfig
from vaekit.core.registry import POSTERIORS
from vaekit.posteriors.discrete import DiscretePosterior
from vaekit.priors.codes import CodePrior, CodesPrior, nearest_codes, one_hot_codes

LAPLACE_EPSILON = 1e-5


class QuantizedCode(Distribution):
    """q(z|x): the straight-through code z (B, M * D), deterministic; `indices` (B, M) the codes chosen and
    `commitment_loss` (B,) the weighted commitment term. log_prob is 0: q(k|x) = 1 for the one code it draws."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, z_e: torch.Tensor, codes: torch.Tensor, indices: torch.Tensor, commitment: float) -> None:
        self.indices = indices
        self.quantized = (z_e + (codes - z_e).detach()).flatten(-2)  # the value of z_q, the gradient of z_e
        self.commitment_loss = commitment * (z_e - codes.detach()).pow(2).sum((-2, -1))
        super().__init__(z_e.shape[:-2], self.quantized.shape[-1:], validate_args=False)

    @property
    def mean(self) -> torch.Tensor:
        return self.quantized

    def rsample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.quantized.expand(*sample_shape, *self.quantized.shape)

    def reparameterize(self, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.quantized.expand(noise.shape)  # no noise enters: the code is a function of x
        return z, torch.zeros(noise.shape[:-1], dtype=z.dtype, device=z.device)

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        return self.rsample(sample_shape)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return torch.zeros(z.shape[:-1], dtype=z.dtype, device=z.device)

    def code_indices(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, M) the codes of the batch (what the prior over codes is fitted to)."""
        return self.indices


@register_kl(QuantizedCode, CodePrior)
def _kl_quantized_codes(q: QuantizedCode, p: CodePrior) -> torch.Tensor:
    """KL = sum_k q(k) log q(k)/p(k) = -log p(k(x)) for a one-hot q: M log K under the uniform prior."""
    return -p.index_log_prob(q.indices)


@torch.no_grad()
def ema_update(prior: CodesPrior, z_e: torch.Tensor, indices: torch.Tensor, decay: float) -> None:
    """One moving-average step of the codebook from the batch's vectors z_e (..., D) and their codes (...)."""
    vectors = z_e.reshape(-1, z_e.shape[-1])
    assigned = one_hot_codes(indices.reshape(-1), prior.codes, vectors)  # (N, K)
    prior.cluster_size.mul_(decay).add_(assigned.sum(0), alpha=1 - decay)
    prior.code_sum.mul_(decay).add_(assigned.T @ vectors, alpha=1 - decay)
    total = prior.cluster_size.sum()
    smoothed = (prior.cluster_size + LAPLACE_EPSILON) / (total + prior.codes * LAPLACE_EPSILON) * total
    prior.codebook.copy_(prior.code_sum / smoothed.unsqueeze(-1))


@torch.no_grad()
def restart_dead_codes(prior: CodesPrior, z_e: torch.Tensor, indices: torch.Tensor, after_steps: int) -> int:
    """Codes unused for `after_steps` training steps restart at random vectors of the batch (torch's global
    random state: the trainer's seeded stream). Returns how many restarted."""
    prior.idle_steps += 1
    prior.idle_steps[indices.flatten().unique()] = 0
    if after_steps <= 0:
        return 0
    dead = (prior.idle_steps >= after_steps).nonzero().flatten()
    if len(dead) == 0:
        return 0
    vectors = z_e.reshape(-1, z_e.shape[-1])
    chosen = vectors[torch.randint(len(vectors), (len(dead),), device=vectors.device)]
    prior.codebook[dead] = chosen
    prior.code_sum[dead] = chosen
    prior.cluster_size[dead] = 1.0
    prior.idle_steps[dead] = 0
    return len(dead)


@torch.no_grad()
def initialise_codes(prior: CodesPrior, z_e: torch.Tensor) -> None:
    """Set the codebook to K random vectors of the batch (drawn with replacement when the batch has fewer)."""
    vectors = z_e.reshape(-1, z_e.shape[-1])
    if len(vectors) >= prior.codes:
        rows = torch.randperm(len(vectors), device=vectors.device)[:prior.codes]
    else:
        rows = torch.randint(len(vectors), (prior.codes,), device=vectors.device)
    prior.codebook.copy_(vectors[rows])
    prior.code_sum.copy_(vectors[rows])
    prior.cluster_size.fill_(1.0)
    prior.initialised.fill_(True)


@POSTERIORS.register("vq")
class VectorQuantizedPosterior(DiscretePosterior):
    """features (B, F) -> z_e (B, M, D) -> the nearest codes; trains with objective vq.

    >>> prior = CodesPrior(positions=4, codes=16, code_dim=8)
    >>> q = VectorQuantizedPosterior(400, positions=4, code_dim=8)(torch.randn(2, 400), prior)
    >>> q.rsample().shape, q.indices.shape, q.commitment_loss.shape
    (torch.Size([2, 32]), torch.Size([2, 4]), torch.Size([2]))
    """

    reads = frozenset({"codebook_size", "code_dim", "commitment", "ema_decay", "dead_code_steps"})  # what it reads

    learned_codebook = True
    objectives = ("vq",)

    def __init__(self, feature_dim: int, positions: int, code_dim: int, commitment: float = 0.25,
                 ema_decay: float = 0.99, dead_code_steps: int = 20) -> None:
        super().__init__()
        self.positions, self.code_dim = positions, code_dim
        self.commitment, self.ema_decay, self.dead_code_steps = commitment, ema_decay, dead_code_steps
        self.head = nn.Linear(feature_dim, positions * code_dim)

    @classmethod
    def code_width(cls, cfg: ModelConfig) -> int:
        return cfg.code_dim

    @classmethod
    def from_config(cls, feature_dim: int, cfg: ModelConfig) -> VectorQuantizedPosterior:
        return cls(feature_dim, cls.positions(cfg, "vq"), cfg.code_dim, cfg.commitment, cfg.ema_decay,
                   cfg.dead_code_steps)

    def forward(self, features: torch.Tensor, prior: CodesPrior) -> QuantizedCode:
        z_e = self.head(features).unflatten(-1, (self.positions, self.code_dim))
        training = self.training and torch.is_grad_enabled()  # training steps only: not validation, not a dry run
        if training and not bool(prior.initialised):
            initialise_codes(prior, z_e.detach())
        indices = nearest_codes(z_e.detach(), prior.codebook)
        codes = prior.codebook[indices]  # a copy: the update below does not change this batch's codes
        if training:
            prior.record(indices)
            ema_update(prior, z_e.detach(), indices, self.ema_decay)
            restart_dead_codes(prior, z_e.detach(), indices, self.dead_code_steps)
        return QuantizedCode(z_e, codes, indices, self.commitment)
