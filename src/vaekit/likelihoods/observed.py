"""p(x|z) of the observed entries only, for data with missing values (MIWAE, Mattei and Frellsen 2019):

    log p(x_obs | z) = sum_{i observed} log p(x_i | z)

Missing entries are NaN. The likelihoods here factorise over data entries given z, so the log-probability of the
observed sub-vector is the sum of the entries' own log-probabilities over the observed ones: no marginalisation is
needed. Wrapping p(x|z) in `ObservedEntries` makes every objective (elbo; iwae, which is the MIWAE bound for k > 1)
and the importance-weighted evaluation score observed entries only, unchanged.

    px = ObservedEntries(model_px)
    px.log_prob(x_with_nans)   # (B,): sum over the finite entries of x
    px.mean, px.sample()       # those of p(x|z) itself: every entry, missing or not
"""

from __future__ import annotations

import torch
from torch.distributions import Distribution, Independent

from vaekit.core.errors import ConfigError


def entry_log_prob(px: Distribution, x: torch.Tensor) -> torch.Tensor:
    """log p(x_i | z) for each data entry: shape (..., *event_shape). torch's Independent sums its base's entries;
    vaekit's own distributions of whole examples (a standardized likelihood, a mixed table) give theirs with
    `entry_log_prob`."""
    if isinstance(px, Independent):
        return px.base_dist.log_prob(x)
    score = getattr(type(px), "entry_log_prob", None)
    if score is None:  # a distribution that does not factorise over entries cannot leave some out
        raise ConfigError(f"p(x|z) of type {type(px).__name__} does not score data entries one by one, so it cannot "
                          "model missing values; use a likelihood that factorises over entries")
    return score(px, x)


def unit_free_entry_log_prob(px: Distribution, x: torch.Tensor) -> torch.Tensor:
    """Each entry's log p(x_i|z) in the units the model learned: entry_log_prob plus the entry's log scale where
    p(x|z) was learned on standardized values and mapped back (a table's columns; `entry_log_scale`). That
    Jacobian term is the same for every example, so it ranks nothing, but it differs from column to column (a
    proline near 1000 against a hue near 1) and would make the columns of large units look anomalous in every
    row of a score map."""
    terms = entry_log_prob(px, x)
    log_scale = getattr(type(px), "entry_log_scale", None)  # declared by the distributions that standardize
    return terms if log_scale is None else terms + log_scale(px)


class ObservedEntries(Distribution):
    """p(x|z) whose log_prob(x) sums the entries' log-probabilities over the observed (not NaN) entries of x."""

    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, base: Distribution) -> None:
        self.base = base
        super().__init__(base.batch_shape, base.event_shape, validate_args=False)

    @property
    def support(self):  # type: ignore[no-untyped-def]
        return self.base.support

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        observed = ~torch.isnan(x)
        # a missing entry is scored at 0 (a value every support here holds) and then left out: where(), not a
        # product, so no NaN reaches the gradient
        scores = entry_log_prob(self.base, torch.where(observed, x, torch.zeros((), dtype=x.dtype, device=x.device)))
        scores = torch.where(observed, scores, torch.zeros((), dtype=scores.dtype, device=scores.device))
        return scores.flatten(scores.dim() - len(self.event_shape)).sum(-1)

    @property
    def mean(self) -> torch.Tensor:
        return self.base.mean

    @property
    def stddev(self) -> torch.Tensor:
        return self.base.stddev

    @property
    def variance(self) -> torch.Tensor:
        return self.base.variance

    @property
    def mode(self) -> torch.Tensor:
        return self.base.mode

    def sample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.base.sample(sample_shape)


def unwrapped(px: Distribution) -> Distribution:
    """p(x|z) itself, without the observed-entries wrapper of a model of missing values (what imputation draws
    from and compression codes with: every entry, observed or not)."""
    return px.base if isinstance(px, ObservedEntries) else px
