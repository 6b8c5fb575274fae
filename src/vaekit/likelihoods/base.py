"""What a likelihood declares about itself, so that the trainer, the evaluation and the API ask the part, not its name.

    class PoissonLikelihood(Likelihood):
        data_support = constraints.nonnegative_integer   # checked on the data before training and by the API
        density = False                                  # scores discrete values: no dequantization

Everything else (the data checks of `check_data_fits`, the evaluation protocol, standardization, the help text of
`--likelihood`) reads these declarations, so a new likelihood touches its own file and its registration only.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, constraints

from vaekit.core.tunable import Tunable


class Likelihood(nn.Module):
    """Base of every likelihood module: decoder outputs (..., params_per_element, *data_shape) -> p(x|z).

    Class attributes (the defaults suit a density on real values, like the Gaussian):

    - `data_support`: the values a data element may take, a torch.distributions constraint; the trainer checks the
      whole data set against it once, the Python API each batch it is given.
    - `density`: True when log_prob is a density of continuous values, so uniform dequantization of discrete data
      applies to it; False when it scores discrete values itself (or, for Bernoulli on grey levels, is a
      cross-entropy that dequantization would not make a density).
    - `levels`: for likelihoods of the discrete values k / (levels - 1) (8-bit pixels: 256), the number of levels;
      the data must lie on that grid (or be binary). None for the others.
    - `location_scale`: True when x = shift + scale * y keeps the likelihood in its family, so the networks may see
      standardized data and p(x|z) be mapped back to the data's units (`standardize`).
    - `needs_schema`: True when it is built from a table's column types and values (`from_config(..., schema=)`).
    """

    params_per_element: int = 1
    data_support: constraints.Constraint = constraints.real
    density: bool = True
    levels: int | None = None
    location_scale: bool = False
    needs_schema: bool = False
    # log_prob of a value between its support's ends is a cross-entropy, not a likelihood (Bernoulli on grey levels):
    # it grows with how grey the value is whatever the model learned, so likelihood scores across data sets mislead
    cross_entropy_of_levels: bool = False
    needs_vocabulary: bool = False  # from_config(..., vocabulary_size=V): a likelihood over token ids 0..V-1
    # a sequence model that reads its own earlier elements (likelihoods/autoregressive*.py): it runs its recurrent
    # decoder itself from the context a sequence network's decoder makes of z (nn/sequence.py), and takes one
    autoregressive: bool = False
    # log p(x|z) splits into each entry's own term (pixel, column, time step), as `entry_log_prob` gives them: what a
    # score map shows (tasks/scoring/entries.py) and what a model of missing values leaves out
    scores_entries: bool = True
    # the ModelConfig settings it reads; one that no chosen part reads is refused (vaekit.parts.check_unread)
    reads: frozenset[str] = frozenset()
    # the ModelConfig settings `vaekit tune` may search, and their ranges (core/tunable.py)
    tunable: dict[str, Tunable] = {}  # read, never changed

    def encoder_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """What the encoder reads for data x (..., *data_shape): x itself, unless the likelihood codes it (a
        mixed table's one-hot columns)."""
        return x

    def input_mask(self, observed: torch.Tensor) -> torch.Tensor:
        """Which `encoder_inputs` an observed-entries mask (..., *data_shape) covers, for a model of missing
        values: the mask itself, unless an entry becomes several inputs (a mixed table's one-hot columns)."""
        return observed

    def encoder_input_width(self) -> int | None:
        """The width of `encoder_inputs` when it differs from the data's (a vector model's encoder is then built
        for it); None when the encoder reads the data as they are."""
        return None

    def fit_data(self, x: torch.Tensor) -> None:
        """Statistics the likelihood takes from the training split (N, *data_shape) before training, ignoring
        missing (NaN) entries; none here."""

    def weighted_mean(self, px: Distribution, weights: torch.Tensor) -> torch.Tensor:
        """The single imputation from k decoded draws: sum_j w_j E[x | z_j] for p(x|z_j) of batch shape (k, B) and
        normalised weights (k, B) -> (B, *data_shape). Likelihoods of codes (a mixed table) take the most probable
        value of the weighted mixture instead."""
        return (weights.reshape(*weights.shape, *[1] * len(px.event_shape)) * px.mean).sum(0)

    @classmethod
    def scores(cls, binary: bool) -> str | None:
        """What its log-likelihood numbers are, for the evaluation's protocol line, when that is particular to it
        (`binary`: the data are 0/1); None to let the evaluation describe it from `density` and `levels`."""
        return None


def observed_moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean and (unbiased) standard deviation of each dimension of x (N, ...) over its observed (not NaN)
    values; on complete data, x.mean(0) and x.std(0)."""
    observed = ~torch.isnan(x)
    if bool(observed.all()):  # complete data: exactly the numbers vaekit computed before missing values
        return x.mean(0), x.std(0)
    count = observed.sum(0)
    filled = torch.where(observed, x, torch.zeros((), dtype=x.dtype, device=x.device))
    mean = filled.sum(0) / count.clamp(min=1)
    squares = torch.where(observed, (x - mean) ** 2, torch.zeros((), dtype=x.dtype, device=x.device)).sum(0)
    return mean, (squares / (count - 1).clamp(min=1)).sqrt()


def support_text(support: constraints.Constraint) -> str:
    """A constraint in words that reads after "data in": "[0, 1]", "the real numbers (no NaN or infinity)"."""
    if getattr(support, "text", None):
        return support.text
    low, high = getattr(support, "lower_bound", None), getattr(support, "upper_bound", None)
    if low is not None and high is not None:
        return f"[{low:g}, {high:g}]"
    if low is not None:
        return f"[{low:g}, inf)"
    return "the real numbers (no NaN or infinity)"
