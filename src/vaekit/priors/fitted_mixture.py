"""A Gaussian mixture with full covariances over z, fitted after training to the codes of the training split
(`vaekit fit-prior --method gmm`; ex-post density estimation, Ghosh et al. 2020). `VAE.sample` draws z from it
instead of N(0, I): the codes the encoder gives real data do not fill N(0, I), and its empty regions decode to
images unlike any.

    prior = FittedMixture(weights, means, covariances)       # (K,), (K, d), (K, d, d)
    z = prior.rsample_seeded(torch.Size([16]), torch.Generator().manual_seed(0))
    prior.log_prob(z)                                         # exact, nats

Held in float64 (covariances of codes that nearly lie on a subspace have eigenvalues near the regularisation of
1e-4, whose Cholesky factor float32 would round badly); draws are float32 like the model's latents.
"""

from __future__ import annotations

import torch
from torch.distributions import Categorical, Distribution, MixtureSameFamily, MultivariateNormal, constraints

from vaekit.core.errors import VaekitError


class FittedMixture(Distribution):
    """p(z) = sum_k w_k N(z; mu_k, Sigma_k), batch shape (), event shape (d,).

    >>> prior = FittedMixture(torch.ones(2) / 2, torch.zeros(2, 3), torch.eye(3).expand(2, 3, 3))
    >>> prior.rsample_seeded(torch.Size([4]), torch.Generator().manual_seed(0)).shape
    torch.Size([4, 3])
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    support = constraints.real_vector
    method = "gmm"  # the name fit-prior and the run's latent-prior.json give it

    def __init__(self, weights: torch.Tensor, means: torch.Tensor, covariances: torch.Tensor) -> None:
        k, d = means.shape if means.dim() == 2 else (0, 0)
        if weights.shape != (k,) or k == 0 or covariances.shape != (k, d, d):
            raise VaekitError(f"a Gaussian mixture needs weights (K,), means (K, d) and covariances (K, d, d); got "
                              f"{tuple(weights.shape)}, {tuple(means.shape)} and {tuple(covariances.shape)}")
        self.weights, self.means = weights.double(), means.double()
        self.covariances = covariances.double()
        if not (torch.isfinite(self.weights).all() and (self.weights >= 0).all() and self.weights.sum() > 0):
            raise VaekitError("a Gaussian mixture's weights must be finite, not negative and not all 0")
        factor, info = torch.linalg.cholesky_ex(self.covariances)
        if bool((info != 0).any()) or not bool(torch.isfinite(factor).all()):
            raise VaekitError("a Gaussian mixture's covariances must be symmetric positive-definite")
        self.scale_tril = factor
        super().__init__(torch.Size(), torch.Size([d]), validate_args=False)

    def describe(self) -> str:
        """What it is, in a few words, for the line `vaekit sample` prints."""
        return f"a Gaussian mixture of {len(self.weights)} components (vaekit fit-prior --method {self.method})"

    def tensors(self) -> dict[str, torch.Tensor]:
        """What latent-prior.safetensors holds."""
        return {"weights": self.weights, "means": self.means, "covariances": self.covariances}

    def settings(self) -> dict[str, int]:
        """What latent-prior.json holds to rebuild it (from_saved)."""
        return {"components": len(self.weights)}

    @classmethod
    def from_saved(cls, tensors: dict[str, torch.Tensor], settings: dict[str, object]) -> FittedMixture:
        missing = {"weights", "means", "covariances"} - set(tensors)
        if missing:
            raise VaekitError(f"the fitted Gaussian mixture lacks {', '.join(sorted(missing))}")
        return cls(tensors["weights"], tensors["means"], tensors["covariances"])

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        """Draws (*sample_shape, d): a component by its weight, then mu_k + L_k eps (L_k L_k^T = Sigma_k), on the
        generator's device."""
        n, d = torch.Size(sample_shape).numel(), self.means.shape[1]
        device = generator.device if generator is not None else self.means.device
        weights, means, tril = (value.to(device) for value in (self.weights, self.means, self.scale_tril))
        index = torch.multinomial(weights / weights.sum(), n, replacement=True, generator=generator)
        eps = torch.randn(n, d, 1, generator=generator, device=device, dtype=torch.float64)
        z = means[index] + (tril[index] @ eps).squeeze(-1)
        return z.float().reshape(*sample_shape, d)

    def sample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.rsample_seeded(torch.Size(sample_shape))

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """log p(z) in nats, exact (float64 inside, value's dtype out)."""
        device = value.device
        mixture = MixtureSameFamily(Categorical(probs=self.weights.to(device), validate_args=False),
                                    MultivariateNormal(self.means.to(device), scale_tril=self.scale_tril.to(device),
                                                       validate_args=False), validate_args=False)
        return mixture.log_prob(value.double()).to(value.dtype)
