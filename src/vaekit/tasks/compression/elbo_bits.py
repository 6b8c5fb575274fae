"""The number BB-ANS's code length is measured against: each example's -ELBO in bits,

    -ELBO(x) / ln 2 = (E_q[-log p(x|z)] + KL(q(z|x) || p(z))) / ln 2,

with the KL in closed form and the expectation from one seeded posterior draw per example (`samples` draws on
request: the sum over a data set is then close to its mean). BB-ANS codes each example in about this many bits,
plus the bucket discretisation's small cost and the set's fixed overhead (its initial words).

    bits = neg_elbo_bits(model, x, seed=0)     # (N,) float64
"""

from __future__ import annotations

import math

import torch
from torch.distributions import kl_divergence

from vaekit.model.input_checks import as_data
from vaekit.tasks.compression.coding_model import coding_model


def neg_elbo_bits(model: torch.nn.Module, x: torch.Tensor, seed: int = 0, samples: int = 1,
                  batch_size: int = 500) -> torch.Tensor:
    """(N,) -ELBO of each example in bits (float64), computed on the CPU like compress."""
    x = as_data(x, model, move=False).to("cpu", torch.float32)
    generator = torch.Generator().manual_seed(seed)
    found = []
    with coding_model(model) as cpu_model:
        for start in range(0, len(x), batch_size):
            batch = x[start:start + batch_size]
            q = cpu_model.encode(batch)
            z = q.rsample_seeded(torch.Size([samples]), generator)           # (samples, B, d)
            distortion = -cpu_model.decode(z).log_prob(batch).mean(0)
            found.append((distortion + kl_divergence(q, cpu_model.prior)).double() / math.log(2))
    return torch.cat(found)
