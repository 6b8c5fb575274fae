"""FactorVAE (Kim and Mnih 2018): the ELBO plus gamma times the total correlation of q(z), estimated by a
discriminator with the density-ratio trick.

    loss = mean_x [distortion + beta * KL(q(z|x) || p(z))] + gamma * TC(z),
    TC(z) = KL(q(z) || prod_j q(z_j)) ~ E_{z ~ q(z)} [log D(z) / (1 - D(z))]

D(z) is the probability that z was drawn from q(z) (the batch's codes) rather than from prod_j q(z_j), which is
sampled by permuting each code dimension independently across the batch. D is an MLP with two logits, so
log D / (1 - D) = logit_q - logit_permuted. It is trained with its own Adam optimizer (lr discriminator_lr,
betas (0.5, 0.9) as in the paper) on the cross-entropy of the batch's codes against their permuted copy; the
model's gradient flows through z only, never into D's weights.

Algorithm 2 of the paper draws a second batch for the permuted codes and updates the VAE and D from the same
forward pass. Here, as in disentanglement_lib, the permuted codes come from the same batch, and D takes its step
first (on detached codes) and then scores the batch for the model's loss: the loop's optimizer steps only the
model, and D's step has to be taken before the model's loss is differentiated.

D is stepped only when the objective is called with gradients enabled: the training loop's step. The loop's
dry run of the objective, validation and evaluation run without gradients and leave D as it was.
"""

from __future__ import annotations

import torch
from torch.func import functional_call
from torch.nn import functional as F  # noqa: N812

from vaekit.config import ObjectiveConfig
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.penalties import rate_penalty
from vaekit.objectives.settings import RATE, SCHEDULE
from vaekit.objectives.stateful import StatefulObjective

FROM_Q, PERMUTED = 0, 1  # the discriminator's two classes


def permute_dimensions(z: torch.Tensor) -> torch.Tensor:
    """A sample of prod_j q(z_j): each column of a batch of codes (B, d) shuffled on its own."""
    order = torch.argsort(torch.rand(z.shape, device=z.device), dim=0)
    return torch.gather(z, 0, order)


def discriminator(latent_dim: int, hidden: list[int]) -> torch.nn.Sequential:
    """An MLP from codes (B, d) to the two logits (from q(z), permuted), leaky ReLUs as in the paper."""
    layers: list[torch.nn.Module] = []
    width = latent_dim
    for size in hidden:
        layers += [torch.nn.Linear(width, size), torch.nn.LeakyReLU(0.2)]
        width = size
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 2))


@OBJECTIVES.register("factor_vae")
class FactorVAE(StatefulObjective):
    """The discriminator's estimate of the TC is logged as total_correlation, its own loss and accuracy as
    discriminator_loss and discriminator_accuracy; distortion and rate are the ELBO's.

    >>> objective = FactorVAE(ObjectiveConfig(name="factor_vae", tc_weight=35))
    >>> out = objective(model, x)   # steps the discriminator once, when gradients are enabled
    >>> out.loss.backward(); optimizer.step()
    """

    honours = SCHEDULE | RATE | {"kl", "tc_weight", "discriminator_lr", "discriminator_hidden"}
    # not per example (training/distributed.py): the discriminator reads codes permuted across the batch
    per_example = False
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"tc_weight": Span(5, 100, log=True), "discriminator_lr": Span(1e-5, 1e-3, log=True)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        super().__init__()
        self.cfg = cfg
        self.discriminator: torch.nn.Sequential | None = None

    def _build(self, z: torch.Tensor) -> torch.nn.Sequential:
        """The discriminator and its optimizer, made at the first call, when the code size and device are known."""
        if self.discriminator is None:
            self.discriminator = discriminator(z.shape[-1], self.cfg.discriminator_hidden).to(z.device)
            self.optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=self.cfg.discriminator_lr,
                                              betas=(0.5, 0.9))
        return self.discriminator

    def discriminator_step(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """One Adam step of D on codes z (detached) against their permuted copy; its loss and accuracy."""
        net = self._build(z)
        z = z.detach()
        codes = torch.cat([z, permute_dimensions(z)])
        labels = torch.cat([torch.full((len(z),), FROM_Q), torch.full((len(z),), PERMUTED)]).to(z.device)
        logits = net(codes).float()
        loss = F.cross_entropy(logits, labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        accuracy = (logits.argmax(1) == labels).float().mean()
        return {"discriminator_loss": loss.detach(), "discriminator_accuracy": accuracy.detach()}

    def total_correlation(self, z: torch.Tensor) -> torch.Tensor:
        """(B,) log D(z) / (1 - D(z)); gradients reach z, never D's weights."""
        net = self._build(z)
        weights = {name: value.detach() for name, value in net.named_parameters()}
        logits = functional_call(net, weights, (z,)).float()
        return logits[:, FROM_Q] - logits[:, PERMUTED]

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        q = model.encode(x)
        z = q.rsample()
        distortion = -model.decode(z).log_prob(x)
        rate, kl_per_dim = kl_terms(q, model.prior, z, self.cfg.kl)
        extras = self.discriminator_step(z) if torch.is_grad_enabled() else {}
        tc = self.total_correlation(z)
        penalty = rate_penalty(self.cfg, rate, kl_per_dim, z.shape[-1], capacity)
        loss = distortion.mean() + beta * penalty + self.cfg.tc_weight * tc.mean()
        return ObjectiveOutput(loss, distortion, rate, kl_per_dim, beta,
                               extras={"total_correlation": tc.detach().mean(), **extras})
