"""The prior over a discrete latent code (posteriors vq and gumbel_softmax): M positions, each one of K codes.

    training:  p(k) = prod_m 1/K            (uniform; log p(k) = -M log K)
    fitted:    p(k) = prod_m p(k_m | k_<m)  (priors/code_autoregressive.py, fitted to the training codes after
                                             training by `vaekit fit-prior`)

z is the codes looked up: codebook rows e_k (vq, learned) or one-hots (gumbel_softmax), side by side. The module
holds what both posteriors share: the codebook and its moving averages (vq), the count of the codes used this epoch
(logged as codebook_usage and codebook_perplexity), and the autoregressive net, whose weights stay frozen in
training and are saved with the model once fitted (the buffer `fitted` says whether they are).
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Distribution, constraints
from torch.nn import functional as F  # noqa: N812

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import PRIORS
from vaekit.priors.base import Prior
from vaekit.priors.code_autoregressive import CodeGRU
from vaekit.priors.discrete_code import discrete_posterior


def usage_and_perplexity(counts: torch.Tensor) -> dict[str, float]:
    """The fraction of the K codes used at least once, and exp(entropy) of the codes' frequencies (K when all are
    used equally often, 1 when one code takes everything).

    >>> usage_and_perplexity(torch.tensor([2.0, 2.0, 0.0, 0.0]))
    {'codebook_usage': 0.5, 'codebook_perplexity': 2.0}
    """
    p = counts.double() / counts.sum()
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum()
    return {"codebook_usage": float((counts > 0).double().mean()), "codebook_perplexity": float(entropy.exp())}


@PRIORS.register("codes")  # priors/discrete_code.py's CODE_PRIOR
class CodesPrior(Prior):
    """p(k) over M positions of K codes, and z = lookup(k).

    >>> prior = CodesPrior(positions=4, codes=16, code_dim=8)   # a vq code of 4 x 8 numbers
    >>> prior().rsample_seeded(torch.Size([3]), torch.Generator().manual_seed(0)).shape
    torch.Size([3, 32])
    """

    reads = frozenset({"code_prior_hidden", "codebook_size"})  # the ModelConfig settings it reads

    cluster_variable = False  # K^M codes, not a categorical cluster per example

    def __init__(self, positions: int, codes: int, code_dim: int | None = None, hidden: int = 64) -> None:
        super().__init__()
        self.positions, self.codes = positions, codes
        if code_dim is not None:  # a learned codebook, moved by the vq posterior's moving averages
            codebook = torch.randn(codes, code_dim)
            self.register_buffer("codebook", codebook)
            self.register_buffer("cluster_size", torch.zeros(codes))  # EMA of the number of vectors per code
            self.register_buffer("code_sum", codebook.clone())  # EMA of their sum
            self.register_buffer("idle_steps", torch.zeros(codes))  # training steps since each code was used
            # False until the first training batch sets the codes to its encoder outputs (vector_quantized.py)
            self.register_buffer("initialised", torch.tensor(False))
        else:  # gumbel_softmax: the codes are the one-hots
            self.register_buffer("codebook", torch.eye(codes), persistent=False)
        self.learned = code_dim is not None
        # the codebook follows moving averages of the batches: several processes would each follow their own
        self.moving_averages = self.learned
        self.register_buffer("usage", torch.zeros(codes), persistent=False)  # codes used this epoch, counted
        self.register_buffer("fitted", torch.tensor(False))
        self.autoregressive = CodeGRU(codes, hidden).requires_grad_(False)  # trained by fit_code_prior only

    @classmethod
    def from_config(cls, cfg: ModelConfig, data_shape: tuple[int, ...]) -> CodesPrior:
        part = discrete_posterior(cfg.posterior)
        if part is None:
            raise ConfigError(f"prior codes goes with posterior vq or gumbel_softmax, not {cfg.posterior}")
        width = part.code_width(cfg)
        return cls(part.positions(cfg, cfg.posterior), cfg.codebook_size, width if part.learned_codebook else None,
                   cfg.code_prior_hidden)

    def forward(self, encode: object = None) -> CodePrior:
        return CodePrior(self)

    @torch.no_grad()
    def record(self, indices: torch.Tensor) -> None:
        """Count the codes a training batch used (B, M), for this epoch's usage and perplexity."""
        self.usage += torch.bincount(indices.flatten(), minlength=self.codes).to(self.usage.dtype)

    def epoch_terms(self) -> dict[str, float]:
        """Usage and perplexity of the codes counted since the last call (the training epoch), and a fresh count.
        The training loop logs them as train_codebook_usage and train_codebook_perplexity."""
        if not bool(self.usage.sum() > 0):
            return {}
        terms = usage_and_perplexity(self.usage)
        self.usage.zero_()
        return terms


class CodePrior(Distribution):
    """p(z) for z = lookup(k), k ~ p(k); batch shape (), event shape (M * width,). log_prob(z) scores the code
    nearest to z (exact for the codes the prior and the posteriors draw, which lie on the codebook)."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    support = constraints.real_vector

    def __init__(self, module: CodesPrior) -> None:
        self.module = module
        width = module.codebook.shape[1]
        super().__init__(torch.Size(), torch.Size([module.positions * width]), validate_args=False)

    @property
    def fitted(self) -> bool:
        return bool(self.module.fitted)

    def index_log_probs(self, indices: torch.Tensor) -> torch.Tensor:
        """(..., M) codes -> (..., M, K) log p(k_m = j | k_<m): -log K everywhere for the uniform prior."""
        if self.fitted:
            return self.module.autoregressive.log_probs(indices)
        shape = (*indices.shape, self.module.codes)
        return torch.full(shape, -math.log(self.module.codes), device=indices.device)

    def index_log_prob(self, indices: torch.Tensor) -> torch.Tensor:
        """(..., M) -> (...,) log p(k)."""
        if self.fitted:
            return self.module.autoregressive.log_prob(indices)
        return torch.full(indices.shape[:-1], -indices.shape[-1] * math.log(self.module.codes),
                          device=indices.device)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """(..., M) codes -> z (..., M * width)."""
        return self.module.codebook[indices].flatten(-2)

    def nearest(self, z: torch.Tensor) -> torch.Tensor:
        """z (..., M * width) -> (..., M), the nearest code at each position (the largest entry, for one-hots)."""
        blocks = z.unflatten(-1, (self.module.positions, -1))
        if not self.module.learned:
            return blocks.argmax(-1)
        return nearest_codes(blocks, self.module.codebook)

    def sample_indices(self, sample_shape: torch.Size = torch.Size(),
                       generator: torch.Generator | None = None) -> torch.Tensor:
        """Codes (*sample_shape, M): uniform draws, or the fitted model's ancestral samples."""
        n, positions = math.prod(sample_shape), self.module.positions
        device = self.module.codebook.device
        if self.fitted:
            indices = self.module.autoregressive.sample(n, positions, generator)
        else:
            indices = torch.randint(self.module.codes, (n, positions), generator=generator, device=device)
        return indices.reshape(*sample_shape, positions)

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(),
                       generator: torch.Generator | None = None) -> torch.Tensor:
        return self.lookup(self.sample_indices(torch.Size(sample_shape), generator))

    def sample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.rsample_seeded(torch.Size(sample_shape))

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return self.index_log_prob(self.nearest(z))


def nearest_codes(vectors: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """(..., D) vectors, (K, D) codebook -> (...) the index of the nearest code (squared Euclidean distance; the
    first on a tie)."""
    distances = (vectors.pow(2).sum(-1, keepdim=True) - 2 * vectors @ codebook.T + codebook.pow(2).sum(-1))
    return distances.argmin(-1)


def one_hot_codes(indices: torch.Tensor, codes: int, like: torch.Tensor) -> torch.Tensor:
    """(..., M) -> (..., M, K) one-hots in like's dtype."""
    return F.one_hot(indices, codes).to(like.dtype)
