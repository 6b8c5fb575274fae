"""Latent traversals: one latent dimension swept while the others stay at an example's posterior mean.

For an example x with posterior mean mu = E[q(z|x)] and a dimension j, the traversal decodes

    z(t) = mu with z_j replaced by m_j + t * s_j,    t in linspace(-R, R, steps)      (R = `spread`, default 3)

where m_j and s_j are the mean and standard deviation of the prior's marginal p(z_j): -3..3 for N(0, I), the
range of the beta-VAE papers (Higgins et al. 2017). The sweep is over the prior's range rather than around the
example's own code so that every row spans the same, typical part of the latent space: rows are comparable, and a
dimension that changes nothing over the whole prior range is visibly unused. The example's own value is marked
in the table charts; its decoded image is the reconstruction.

Dimensions are ordered by their mean KL over a batch of data, KL_j = E_x[ KL(q(z_j|x) || p(z_j)) ], largest first:
the dimensions that carry information come first and collapsed ones last. A prior that does not factorise (a
mixture, the VampPrior, a ladder) has no KL per dimension; then the variance of the posterior means over the data
orders them instead (the active-units statistic of Burda et al. 2015), and the labels say so.

    order = dimension_order(model, data_x)                    # most informative first
    result = traversals(model, data_x[:1], dims=order.top(8), steps=9)
    result.decoded                                            # (1, 8, 9, *data_shape) likelihood means
    save_traversals(result, "traversals.png", order)          # images: a grid; tables: a chart per column
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from vaekit.core.errors import VaekitError
from vaekit.model.input_checks import as_checked_data
from vaekit.model.size import check_output_fits
from vaekit.model.vae import VAE
from vaekit.plots.traversals import SPREAD, STEPS, DimensionOrder, Traversal
from vaekit.tasks.evaluation.diagnostics import ACTIVE_THRESHOLD, latent_statistics

PRIOR_DRAWS = 4096  # draws that estimate the marginal moments of a prior without closed-form ones


@torch.no_grad()
def dimension_order(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 1000
                    ) -> DimensionOrder:
    """Order the latent dimensions by their mean KL over the data x (N, *data_shape), largest first (labels y for
    a conditional VAE). Ties keep index order."""
    if len(x) == 0:
        raise VaekitError("no examples to measure the KL of each latent dimension on")
    stats = latent_statistics(model, x, batch_size=batch_size, y=y)
    kl = stats["kl_per_dim"] if len(stats["kl_per_dim"]) else None
    score = (kl if kl is not None else stats["mean_variance"]).double().cpu()
    dims = sorted(range(model.latent_dim), key=lambda j: (-float(score[j]), j))
    return DimensionOrder(dims, score, kl, (stats["mean_variance"] <= ACTIVE_THRESHOLD).cpu())


def prior_moments(prior: torch.distributions.Distribution, device: torch.device, seed: int = 0
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, standard deviation) of each marginal p(z_j), (d,) each (or (B, d) for a batch of priors, a CVAE's
    per-class one): closed form where the distribution has one, else from PRIOR_DRAWS seeded draws."""
    try:
        return prior.mean, prior.stddev
    except NotImplementedError:  # torch's answer for a distribution without closed-form moments (a ladder)
        generator = torch.Generator(device=device).manual_seed(seed)
        draws = prior.rsample_seeded(torch.Size([PRIOR_DRAWS]), generator)
        return draws.mean(0), draws.std(0)


@torch.no_grad()
def traversals(model: VAE, x: torch.Tensor, dims: Sequence[int] | None = None, steps: int = STEPS,
               spread: float = SPREAD, y: torch.Tensor | None = None) -> Traversal:
    """Decode each dimension in `dims` (default: all, in index order) swept over the prior's mean +- `spread`
    standard deviations in `steps` values, the other dimensions at the posterior mean of each example in x
    (n, *data_shape); labels y (n,) for a conditional VAE, which encodes and decodes in the example's class.

    >>> result = traversals(model, test_x[:1], dims=[3, 0], steps=7)
    >>> result.decoded.shape          # (1, 2, 7, *data_shape)
    """
    if steps < 2:
        raise VaekitError(f"a traversal needs at least 2 steps, got {steps}")
    if not (spread > 0 and math.isfinite(spread)):
        raise VaekitError(f"the range of a traversal must be a positive number of prior standard deviations, got "
                          f"{spread}")
    if model.num_classes is not None and y is None:
        raise VaekitError("this run is a conditional VAE: a traversal needs the example's label")
    dims = list(range(model.latent_dim)) if dims is None else [int(j) for j in dims]
    bad = [j for j in dims if not 0 <= j < model.latent_dim]
    if not dims or bad:
        raise VaekitError(f"latent dimensions to traverse must be between 0 and {model.latent_dim - 1}, got "
                          f"{bad or 'none'}")
    # n x dims x steps decoded examples, and their decoder outputs, before any is made (steps=100000 asked 23 GB)
    check_output_fits(len(x) * len(dims) * steps, model.data_shape, "traversal images", f"steps={steps}",
                      max(1, int(model.likelihood.params_per_element)))
    x = as_checked_data(x, model)  # the model's shape, finite, inside the likelihood's support
    labels = None if y is None else y.to(model.device)
    codes = model.encode(x, labels).mean  # (n, d)
    mean, std = prior_moments(model.prior_given(labels), model.device)
    per_example = mean.dim() == 2  # a CVAE's prior per class: each example sweeps its own class's range
    mean, std = mean.expand_as(codes), std.expand_as(codes)
    offsets = torch.linspace(-spread, spread, steps, device=codes.device, dtype=codes.dtype)
    index = torch.tensor(dims, device=codes.device)
    values = mean[:, index, None] + offsets * std[:, index, None]  # (n, k, steps)
    z = codes[:, None, None, :].repeat(1, len(dims), steps, 1)  # (n, k, steps, d)
    rows = torch.arange(len(dims), device=codes.device)
    z[:, rows, :, index] = values.permute(1, 0, 2)  # advanced indices first: (k, n, steps)
    n = len(codes)
    decode_labels = None if labels is None else labels.repeat_interleave(len(dims) * steps)
    decoded = model.decode(z.reshape(-1, model.latent_dim), decode_labels).mean
    reconstructions = model.decode(codes, labels).mean
    return Traversal(dims, values.cpu() if per_example else values[0].cpu(), offsets.cpu(), codes.cpu(),
                     decoded.reshape(n, len(dims), steps, *model.data_shape).cpu(), reconstructions.cpu())
