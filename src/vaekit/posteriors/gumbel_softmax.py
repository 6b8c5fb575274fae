"""A categorical posterior relaxed by the Gumbel-softmax (Jang et al. 2017; the Concrete distribution of Maddison
et al. 2017): M categorical variables of K classes.

    q(k_m = j | x) = softmax(logits_m)_j,     g_mj = -log(-log u_mj),  u ~ U(0, 1)
    training:  z_m = softmax((logits_m + g_m) / temperature)   (a relaxed one-hot; torch's
                                                                RelaxedOneHotCategorical draws the same)
    eval mode: z_m = one_hot(argmax_j (logits_mj + g_mj))      (an exact draw k_m ~ q(k_m|x), as a hard one-hot)

The decoder reads the M (relaxed) one-hots side by side, latent_dim = M * K. So validation and evaluation score the
discrete model itself: -ELBO = E_q[-log p(x|k)] + KL(q(k|x) || p(k)) with hard codes, a true bound on -log p(x); in
training the relaxed codes make the reconstruction term differentiable. `mean` is the most probable code (the
hard one-hot of the argmax of the logits), what reconstructions and embeddings decode.

KL against the uniform prior, analytic: sum_m sum_j q_mj log(q_mj K). The argmax of the perturbed logits does not
depend on the temperature, so log_prob(z) = log q(argmax z) scores the hard code a draw stands for, and a Monte
Carlo KL (kl: mc) is an unbiased estimate of the same categorical KL.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, constraints, register_kl
from torch.nn import functional as F  # noqa: N812

from vaekit.config import ModelConfig
from vaekit.core.registry import POSTERIORS
from vaekit.core.seeded import standard_noise
from vaekit.posteriors.discrete import DiscretePosterior
from vaekit.priors.codes import CodePrior, CodesPrior, one_hot_codes

_TINY = 1e-7  # keeps the uniform draws inside (0, 1): log(-log u) stays finite


class RelaxedCodes(Distribution):
    """q(z|x) for logits (B, M, K): relaxed one-hot draws at `temperature`, or hard ones (`hard`, eval mode);
    event shape (M * K,). Draws come from standard normal noise turned into uniforms by the normal CDF, so the
    seeded interface of every posterior (vaekit.core.seeded) applies."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, logits: torch.Tensor, temperature: float, hard: bool) -> None:
        self.log_probs = F.log_softmax(logits, dim=-1)
        self.temperature, self.hard = temperature, hard
        self.drawn: torch.Tensor | None = None  # the codes of the last draw (reparameterize)
        positions, codes = logits.shape[-2:]
        super().__init__(logits.shape[:-2], torch.Size([positions * codes]), validate_args=False)

    @property
    def probs(self) -> torch.Tensor:
        return self.log_probs.exp()

    @property
    def mean(self) -> torch.Tensor:
        """The most probable code as hard one-hots (B, M * K)."""
        return one_hot_codes(self.log_probs.argmax(-1), self.log_probs.shape[-1], self.log_probs).flatten(-2)

    def reparameterize(self, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        uniform = torch.special.ndtr(noise).clamp(_TINY, 1 - _TINY).unflatten(-1, self.log_probs.shape[-2:])
        scores = self.log_probs - torch.log(-torch.log(uniform))
        indices = scores.argmax(-1)  # an exact draw from q(k|x) (the Gumbel-max trick)
        self.drawn = indices  # the KL to a fitted prior conditions on this draw: seeded wherever the draw was
        if self.hard:
            z = one_hot_codes(indices, scores.shape[-1], scores)
        else:
            z = F.softmax(scores / self.temperature, dim=-1)
        return z.flatten(-2), self._score(indices)

    def rsample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.rsample_seeded(sample_shape)

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        return self.reparameterize(standard_noise(self, torch.Size(sample_shape), generator, self.log_probs))[0]

    def _score(self, indices: torch.Tensor) -> torch.Tensor:
        log_probs = self.log_probs.expand(*indices.shape, self.log_probs.shape[-1])
        return log_probs.gather(-1, indices.unsqueeze(-1)).squeeze(-1).sum(-1)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log q(k|x) of the code k = argmax of each position of z (relaxed or hard)."""
        return self._score(z.unflatten(-1, self.log_probs.shape[-2:]).argmax(-1))

    def code_indices(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, M) codes drawn from q(k|x), repeatable with a generator (what the prior over codes is fitted to)."""
        flat = self.probs.reshape(-1, self.log_probs.shape[-1])
        return torch.multinomial(flat, 1, generator=generator).reshape(self.log_probs.shape[:-1])


@register_kl(RelaxedCodes, CodePrior)
def _kl_relaxed_codes(q: RelaxedCodes, p: CodePrior) -> torch.Tensor:
    """sum_m KL(q(k_m|x) || p(k_m | k_<m)): exact for the uniform prior; for the fitted autoregressive prior the
    earlier codes k_<m are one draw from q (the chain rule of the KL), an unbiased one-draw estimate."""
    if not p.fitted:  # the uniform prior ignores the prefix
        prefix = q.log_probs.argmax(-1)
    else:  # the draw the bound's distortion used (seeded with it), or a fresh one where none was made
        drawn = q.drawn
        prefix = drawn if drawn is not None and drawn.shape == q.log_probs.shape[:-1] else q.code_indices()
    log_p = p.index_log_probs(prefix)
    return (q.probs * (q.log_probs - log_p)).sum((-2, -1))


@POSTERIORS.register("gumbel_softmax")
class GumbelSoftmaxPosterior(DiscretePosterior):
    """features (B, F) -> logits (B, M, K) -> RelaxedCodes; trains with the ELBO (or the denoising bound).

    >>> prior = CodesPrior(positions=20, codes=10)
    >>> q = GumbelSoftmaxPosterior(400, positions=20, codes=10)(torch.randn(2, 400), prior)
    >>> q.rsample().shape   # 20 relaxed one-hots of 10 classes
    torch.Size([2, 200])
    """

    reads = frozenset({"codebook_size", "temperature"})  # the ModelConfig settings it reads

    learned_codebook = False
    objectives = ("elbo", "denoising")

    def __init__(self, feature_dim: int, positions: int, codes: int, temperature: float = 1.0) -> None:
        super().__init__()
        self.positions, self.codes, self.temperature = positions, codes, temperature
        self.head = nn.Linear(feature_dim, positions * codes)

    @classmethod
    def code_width(cls, cfg: ModelConfig) -> int:
        return cfg.codebook_size

    @classmethod
    def from_config(cls, feature_dim: int, cfg: ModelConfig) -> GumbelSoftmaxPosterior:
        return cls(feature_dim, cls.positions(cfg, "gumbel_softmax"), cfg.codebook_size, cfg.temperature)

    def forward(self, features: torch.Tensor, prior: CodesPrior) -> RelaxedCodes:
        logits = self.head(features).unflatten(-1, (self.positions, self.codes))
        if self.training and torch.is_grad_enabled():  # the most probable codes, counted for usage and perplexity
            prior.record(logits.detach().argmax(-1))
        return RelaxedCodes(logits, self.temperature, hard=not self.training)

