"""Each data entry's share of an example's score: where in the example the model finds it unlikely.

The likelihoods here factorise over entries given z (pixels, columns, time steps), so

    -log p(x|z) = sum_j -log p(x_j | z)

and a score that averages -log p(x|z) over posterior draws splits over entries the same way:

    elbo map    m_j = (1/S) sum_s -log p(x_j | z_s),             z_s ~ q(z|x)   (sums to the distortion*)
    iw map      m_j = sum_i w_i (-log p(x_j | z_i)),  w_i = p(x, z_i) / q(z_i|x) normalised over the k draws

*A standardized likelihood's entries are taken in the units the model learned (without the Jacobian -log scale_j,
the same for every row but not for every column: likelihoods/observed.py). The iw map is each entry's expected
-log p(x_j|z) under the importance-weighted posterior, the one IW_k reads;
the KL term belongs to z, not to an entry, so neither map includes it. The draws are the scores' own (seeded per
example by (seed, j)), so a map and its score come from the same codes.
"""

from __future__ import annotations

import math

import torch

from vaekit.likelihoods.observed import unit_free_entry_log_prob, unwrapped
from vaekit.tasks.evaluation.importance import CHUNK_ELEMENTS, noise_draws, reparameterization


@torch.no_grad()
def entry_terms(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor | None, draws: int, weighted: bool,
                seed: int, first_index: int) -> torch.Tensor:
    """(B, *entries) of -log p(x_j|z) averaged over `draws` posterior draws, uniformly or with the normalised
    importance weights; a missing (NaN) entry is NaN. Entries are the likelihood's own: (C, H, W) for images, a
    table's columns, a series' steps."""
    bound = model.given(y)
    q = bound.encode(x)
    reparameterize = reparameterization(q)
    examples = range(first_index, first_index + len(x))
    observed = ~torch.isnan(x)
    filled = torch.where(observed, x, torch.zeros((), dtype=x.dtype, device=x.device))
    chunk = max(1, CHUNK_ELEMENTS // (len(x) * math.prod(model.data_shape)))
    log_total = torch.full((len(x),), -math.inf, dtype=torch.float64)  # log sum of the weights so far
    total: torch.Tensor | None = None  # sum of weight * entries so far, scaled by exp(-log_total)
    for start in range(0, draws, chunk):
        z, log_q = reparameterize(noise_draws(examples, range(start, min(draws, start + chunk)), model.latent_dim,
                                              seed).to(model.device))
        px = bound.decode(z)
        entries = -unit_free_entry_log_prob(unwrapped(px), filled).cpu().double()  # (s, B, *entries)
        if weighted:
            log_w = (px.log_prob(x) + bound.prior.log_prob(z) - log_q).cpu().double()  # (s, B)
        else:
            log_w = torch.zeros(entries.shape[:2], dtype=torch.float64)
        new_total = torch.logaddexp(log_total, torch.logsumexp(log_w, dim=0))
        weights = (log_w - new_total).exp().reshape(*log_w.shape, *[1] * (entries.dim() - 2))
        part = (weights * entries).sum(0)
        kept = (log_total - new_total).exp().reshape(-1, *[1] * (entries.dim() - 2))
        total = part if total is None else total * kept + part
        log_total = new_total
    assert total is not None  # draws >= 1
    return _missing_as_nan(total, observed.cpu())


def _missing_as_nan(terms: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """NaN where the entry was missing (only where the terms have the data's shape: a series' steps do not)."""
    if terms.shape != observed.shape or bool(observed.all()):
        return terms
    return torch.where(observed, terms, torch.full((), math.nan, dtype=terms.dtype))
