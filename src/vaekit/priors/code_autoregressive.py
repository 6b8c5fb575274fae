"""An autoregressive model over the M code positions of a discrete latent code, the prior fitted after training.

    p(k_1, ..., k_M) = prod_m p(k_m | k_<m),   p(k_m | k_<m) = softmax(W h_m),   h_m = GRU(h_{m-1}, embed(k_{m-1}))

with k_0 a start symbol (index K). A GRU reads the codes in position order (van den Oord et al. 2017 fit a
PixelCNN over their 2-D grid of codes; the code here is a flat row of M positions, so a recurrent net over the row
plays that part). Its log-probabilities over all K^M codes sum to 1 (tests/test_vq_prior.py enumerates them).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


class CodeGRU(nn.Module):
    """(N, M) code indices -> per-position log-probabilities (N, M, K) of each code given the codes before it.

    >>> net = CodeGRU(codes=8, hidden=32)
    >>> net.log_prob(torch.randint(8, (5, 4))).shape
    torch.Size([5])
    """

    def __init__(self, codes: int, hidden: int) -> None:
        super().__init__()
        self.codes = codes
        self.embed = nn.Embedding(codes + 1, hidden)  # index `codes` is the start symbol
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, codes)

    def reset_parameters(self) -> None:
        """Fresh weights from torch's random state, as at construction."""
        for layer in (self.embed, self.gru, self.out):
            layer.reset_parameters()

    def log_probs(self, indices: torch.Tensor) -> torch.Tensor:
        """(..., M) -> (..., M, K): log p(k_m = j | k_<m) for every j, teacher-forced on the given codes."""
        lead, positions = indices.shape[:-1], indices.shape[-1]
        flat = indices.reshape(-1, positions)
        start = torch.full((len(flat), 1), self.codes, dtype=flat.dtype, device=flat.device)
        hidden, _ = self.gru(self.embed(torch.cat([start, flat[:, :-1]], dim=1)))
        return F.log_softmax(self.out(hidden), dim=-1).reshape(*lead, positions, self.codes)

    def log_prob(self, indices: torch.Tensor) -> torch.Tensor:
        """(..., M) -> (...,) log p(k_1, ..., k_M)."""
        return self.log_probs(indices).gather(-1, indices.unsqueeze(-1)).squeeze(-1).sum(-1)

    @torch.no_grad()
    def sample(self, n: int, positions: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, M) codes drawn position by position (ancestral sampling), repeatable with a generator."""
        device = self.out.weight.device
        previous = torch.full((n, 1), self.codes, dtype=torch.long, device=device)
        state, drawn = None, []
        for _ in range(positions):
            hidden, state = self.gru(self.embed(previous), state)
            probs = F.softmax(self.out(hidden[:, -1]), dim=-1)
            previous = torch.multinomial(probs, 1, generator=generator)
            drawn.append(previous)
        return torch.cat(drawn, dim=1)
