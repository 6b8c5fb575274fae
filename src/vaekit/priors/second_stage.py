"""A second-stage VAE over the codes z of a trained VAE (Dai and Wipf 2019, "Diagnosing and enhancing VAE
models"), fitted after training (`vaekit fit-prior --method vae`) and then the distribution `VAE.sample` draws z
from: u ~ N(0, I), z = the second decoder's mean at u, x = the first decoder's at z.

    q(u|z) = N(mu(z), diag sigma^2(z)),  p(u) = N(0, I),  p(z|u) = N(m(u), gamma I),  u and z both d-dimensional

The first VAE's codes do not follow N(0, I) (its aggregate posterior has holes and uneven density); the second VAE
is trained on them and its own aggregate posterior comes much closer to N(0, I), so decoding its prior draws
lands where the first decoder saw data. gamma is learned (one number), as Dai and Wipf's analysis asks: it shrinks
toward the second decoder's error, which sharpens m(u) around the codes.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Distribution, constraints

from vaekit.core.errors import VaekitError


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, outputs))


class SecondStageVAE(nn.Module):
    """An MLP VAE on codes (N, d): loss(z) is the negative ELBO per code, in nats.

    >>> vae = SecondStageVAE(dim=4, hidden=16)
    >>> vae.loss(torch.randn(8, 4)).shape
    torch.Size([8])
    """

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.dim, self.hidden = dim, hidden
        self.encoder = _mlp(dim, hidden, 2 * dim)
        self.decoder = _mlp(dim, hidden, dim)
        self.log_gamma = nn.Parameter(torch.zeros(()))  # log of the decoder's variance, shared by every dimension

    def loss(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """-ELBO(z) = KL(q(u|z) || N(0, I)) - E_q log N(z; m(u), gamma I), one draw of u per code."""
        loc, log_var = self.encoder(z).chunk(2, dim=-1)
        log_var = log_var.clamp(-12.0, 8.0)  # exp of a runaway head would overflow the KL in the first steps
        u = loc + (0.5 * log_var).exp() * torch.randn(loc.shape, generator=generator, device=loc.device)
        kl = 0.5 * (loc.pow(2) + log_var.exp() - 1.0 - log_var).sum(-1)
        # gamma is kept above e^-10: the codes' own spread is far above it, and a collapse to 0 would be a NaN
        log_gamma = self.log_gamma.clamp_min(-10.0)
        squared = (z - self.decoder(u)).pow(2).sum(-1)
        distortion = 0.5 * squared / log_gamma.exp() + 0.5 * self.dim * (log_gamma + math.log(2 * math.pi))
        return kl + distortion

    def decode(self, u: torch.Tensor) -> torch.Tensor:
        """The second decoder's mean m(u)."""
        return self.decoder(u)


class SecondStagePrior(Distribution):
    """z = m(u), u ~ N(0, I): the distribution of the second decoder's means; batch shape (), event shape (d,).
    Draws only: its density has no closed form (the second VAE's ELBO bounds it)."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    support = constraints.real_vector
    method = "vae"  # the name fit-prior and the run's latent-prior.json give it

    def __init__(self, module: SecondStageVAE) -> None:
        self.module = module.eval().requires_grad_(False)
        super().__init__(torch.Size(), torch.Size([module.dim]), validate_args=False)

    def describe(self) -> str:
        """What it is, in a few words, for the line `vaekit sample` prints."""
        return f"a second-stage VAE (vaekit fit-prior --method {self.method})"

    def tensors(self) -> dict[str, torch.Tensor]:
        """What latent-prior.safetensors holds: the second VAE's weights."""
        return dict(self.module.state_dict())

    def settings(self) -> dict[str, int]:
        """What latent-prior.json holds to rebuild it (from_saved)."""
        return {"dim": self.module.dim, "hidden": self.module.hidden}

    @classmethod
    def from_saved(cls, tensors: dict[str, torch.Tensor], settings: dict[str, object]) -> SecondStagePrior:
        dim, hidden = settings.get("dim"), settings.get("hidden")
        if not (isinstance(dim, int) and isinstance(hidden, int) and 1 <= dim <= 100_000 and 1 <= hidden <= 100_000):
            raise VaekitError("the second-stage VAE's settings need dim and hidden, whole numbers from 1 to 100,000")
        module = SecondStageVAE(dim, hidden)
        try:
            module.load_state_dict(tensors)
        except RuntimeError as error:
            raise VaekitError(f"the second-stage VAE's weights do not fit its settings "
                              f"({' '.join(str(error).split())[:160]})") from None
        return cls(module)

    @torch.no_grad()
    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        """Draws (*sample_shape, d) on the generator's device: m(u) for u ~ N(0, I)."""
        device = generator.device if generator is not None else self.module.log_gamma.device
        self.module.to(device)
        u = torch.randn(torch.Size(sample_shape).numel(), self.module.dim, generator=generator, device=device)
        return self.module.decode(u).reshape(*sample_shape, self.module.dim)

    def sample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.rsample_seeded(torch.Size(sample_shape))
