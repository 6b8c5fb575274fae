"""Discretized mixture of logistics for 8-bit data (PixelCNN++, Salimans et al. 2017), every channel independent.

Pixels x = k / 255 (k = 0..255) are mapped to bin centres y = 2k/255 - 1 in [-1, 1], bins of width 2/255. Each data
element gets K logistic components; the probability of level k is the mixture's mass on its bin, with the lowest
bin reaching down to -inf and the highest up to +inf, so the 256 probabilities sum to exactly 1::

    likelihood = DiscretizedLogisticLikelihood((3, 32, 32), components=5)
    px = likelihood(decoder_output)           # decoder_output: (B, 15, 3, 32, 32)
    px.log_prob(x)                             # x: (B, 3, 32, 32) in {0, 1/255, ..., 1} -> (B,)
    px.mean, px.sample()                       # (B, 3, 32, 32), in [0, 1]; samples on the k/255 grid
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch.distributions import Categorical, Distribution, Independent, constraints

from vaekit.config import ModelConfig
from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.base import Likelihood

LEVELS = 256
BIN = 2.0 / (LEVELS - 1)  # bin width on [-1, 1]
# PixelCNN++ clamps log scales from below: a component narrower than exp(-7) ~ 1e-3 (an eighth of a bin) puts all
# its mass on one bin anyway, and a smaller scale would only make exp(-log_scale) and the gradients explode.
MIN_LOG_SCALE = -7.0
# Below this bin mass PixelCNN++ uses the density at the bin centre times the bin width instead of the CDF difference.
TINY_MASS = 1e-5


class _EightBit(constraints.Constraint):
    """Values k / 255 for integers k = 0..255 (with a tolerance for the rounding of k / 255 in float32)."""

    is_discrete = True
    event_dim = 0
    text = "[0, 1] on the 8-bit levels k/255"  # for error messages (likelihoods.base.support_text)
    lower_bound, upper_bound = 0.0, 1.0  # like constraints.unit_interval's: the corruptions stay inside them

    def check(self, value: torch.Tensor) -> torch.Tensor:
        scaled = value * (LEVELS - 1)
        return (value >= 0) & (value <= 1) & ((scaled - scaled.round()).abs() < 1e-3)

    def __repr__(self) -> str:
        return "eight_bit()"


eight_bit = _EightBit()


def to_level(x: torch.Tensor) -> torch.Tensor:
    """The integer level k in 0..255 (int64) nearest to 255 * x, for x in [0, 1]: to_level(torch.tensor(0.5)) is 128."""
    return (x * (LEVELS - 1)).round().clamp(0, LEVELS - 1).long()


class DiscretizedLogisticMixture(Distribution):
    """A mixture of K logistics discretized to the 256 levels k / 255, one independent mixture per batch element.

    The mixture axis is last: `logits`, `loc` and `log_scale` have shape (*batch_shape, K); `loc` and the scale are
    in the [-1, 1] space of the bin centres. Data and samples are in [0, 1]::

        d = DiscretizedLogisticMixture(torch.zeros(4, 1), torch.zeros(4, 1), torch.full((4, 1), -3.0))
        d.log_prob(torch.full((4,), 128 / 255))   # log mass of level 128's bin, centred at 1/255 in [-1, 1]: (4,)
    """

    arg_constraints = {"logits": constraints.real_vector, "loc": constraints.real_vector,
                       "log_scale": constraints.real_vector}
    support = eight_bit
    has_rsample = False

    def __init__(self, logits: torch.Tensor, loc: torch.Tensor, log_scale: torch.Tensor,
                 validate_args: bool | None = None) -> None:
        self.logits, self.loc, self.log_scale = torch.broadcast_tensors(logits, loc, log_scale)
        super().__init__(self.logits.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape: torch.Size | tuple[int, ...], _instance: Distribution | None = None
               ) -> DiscretizedLogisticMixture:
        new = self._get_checked_instance(DiscretizedLogisticMixture, _instance)
        shape = torch.Size(batch_shape) + self.logits.shape[-1:]
        new.logits, new.loc, new.log_scale = (t.expand(shape) for t in (self.logits, self.loc, self.log_scale))
        super(DiscretizedLogisticMixture, new).__init__(torch.Size(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        level = to_level(value).unsqueeze(-1)                     # (..., 1) against the (..., K) components
        y = level.to(self.loc.dtype) * BIN - 1                     # bin centre, exact for every level
        log_mass = _component_log_mass(level, y, self.loc, self.log_scale)
        return torch.logsumexp(log_mass + F.log_softmax(self.logits, -1), -1)

    def level_probs(self) -> torch.Tensor:
        """(*batch_shape, 256) float64 probabilities of the levels, from the mixture's CDF at the 255 edges between
        bins: one sigmoid per edge instead of log_prob's work per level, for an entropy coder
        (vaekit.tasks.compression), which needs every level's probability. In float64, so a tail bin's mass does
        not cancel to 0."""
        edges = torch.arange(1, LEVELS, dtype=torch.float64, device=self.loc.device) * BIN - 1 - BIN / 2
        weights = F.softmax(self.logits.double(), -1)
        inv_scale = torch.exp(-self.log_scale.double())
        cdf = torch.zeros(self.batch_shape + edges.shape, dtype=torch.float64, device=self.loc.device)
        for k in range(self.loc.shape[-1]):  # one component at a time (a sum over a short last axis is slow), in place
            step = (edges - self.loc[..., k:k + 1].double()).mul_(inv_scale[..., k:k + 1]).sigmoid_()  # (..., 255)
            cdf.addcmul_(weights[..., k:k + 1], step)
        ends = cdf.new_zeros(cdf.shape[:-1] + (1,))
        return torch.diff(torch.cat([ends, cdf, ends + 1], -1), dim=-1).clamp(min=0)

    @property
    def mean(self) -> torch.Tensor:
        # Each component's mass below -1 sits on the lowest level and above +1 on the highest, so the mean is that of
        # the logistic clamped to [-1, 1]: E[clamp(Y)] = -1 + int_{-1}^{1} P(Y > t) dt
        # = -1 + s (softplus((1 + mu) / s) - softplus((mu - 1) / s)). This never leaves [-1, 1] (unlike the raw mixture
        # mean, which is anywhere a decoder puts mu) and is within half a level of the mean of the discretized values
        # (rounding moves every value by at most half a bin).
        s = self.log_scale.exp()
        clamped = -1 + s * (F.softplus((1 + self.loc) / s) - F.softplus((self.loc - 1) / s))
        mean = (F.softmax(self.logits, -1) * clamped).sum(-1)
        return ((mean + 1) / 2).clamp(0, 1)  # clamp: float rounding only

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        with torch.no_grad():
            shape = self._extended_shape(sample_shape)
            component = Categorical(logits=self.logits, validate_args=False).sample(sample_shape).unsqueeze(-1)
            loc = self.loc.expand(shape + self.loc.shape[-1:]).gather(-1, component).squeeze(-1)
            scale = self.log_scale.expand(shape + self.loc.shape[-1:]).gather(-1, component).squeeze(-1).exp()
            # Inverse CDF of the logistic, mu + s * logit(u). u stays inside (0, 1): u = 0 would give -inf.
            finfo = torch.finfo(loc.dtype)
            u = torch.rand(shape, dtype=loc.dtype, device=loc.device).clamp(finfo.tiny, 1 - finfo.eps)
            y = loc + scale * (torch.log(u) - torch.log1p(-u))
            # Nearest level: bin k is centre +- BIN / 2, as in log_prob, with the end bins open to -inf and +inf.
            return ((y + 1) / BIN).round().clamp(0, LEVELS - 1) / (LEVELS - 1)


def _component_log_mass(level: torch.Tensor, y: torch.Tensor, loc: torch.Tensor, log_scale: torch.Tensor
                        ) -> torch.Tensor:
    """log P(bin of `level`) under each logistic component; every branch stays finite so torch.where's gradients do."""
    inv_scale = torch.exp(-log_scale)
    centred = y - loc
    upper = inv_scale * (centred + BIN / 2)  # standardized bin edges
    lower = inv_scale * (centred - BIN / 2)
    # log F(upper) and log(1 - F(lower)) with F = sigmoid: logsigmoid(t) = -softplus(-t) never takes log(0), and
    # 1 - sigmoid(t) = sigmoid(-t) avoids subtracting from 1. These are the lowest and the highest bins' masses.
    log_cdf_upper = F.logsigmoid(upper)
    log_sf_lower = F.logsigmoid(-lower)
    # An interior bin: log(F(a) - F(b)) = log F(a) + log(1 - F(b)) + log(1 - exp(-(a - b))), exactly. The difference
    # of two CDFs near 1 (or two tiny ones) would cancel; this form does not. a - b = BIN / s is formed directly, not
    # as upper - lower, and floored so that an absurdly wide component (huge log_scale) gives no log(0).
    width = (inv_scale * BIN).clamp(min=torch.finfo(inv_scale.dtype).tiny)
    log_delta = log_cdf_upper + log_sf_lower + torch.log(-torch.expm1(-width))
    # The PixelCNN++ fallback for a bin with almost no mass: log of the logistic density at the bin centre,
    # t - log s - 2 softplus(t) for t = (y - mu) / s, plus log(bin width). PixelCNN++ needs it because its float32
    # CDF difference is 0 or noise there; log_delta above is accurate, but the switch keeps log_prob equal to
    # PixelCNN++'s loss.
    mid = inv_scale * centred
    log_pdf_mid = mid - log_scale - 2 * F.softplus(mid)
    interior = torch.where(log_delta > math.log(TINY_MASS), log_delta, log_pdf_mid + math.log(BIN))
    return torch.where(level == 0, log_cdf_upper, torch.where(level == LEVELS - 1, log_sf_lower, interior))


@LIKELIHOODS.register("discretized_logistic")
class DiscretizedLogisticLikelihood(Likelihood):
    """p(x|z) = prod_i DiscretizedLogisticMixture(x_i; pi_i(z), mu_i(z), s_i(z)) on 8-bit data x_i = k / 255.

    The decoder outputs 3K numbers per data element, (..., 3K, *data_shape): K mixture logits, K means (in [-1, 1]
    units, used as they are, as in PixelCNN++) and K log scales (clamped below at -7)::

        likelihood = DiscretizedLogisticLikelihood((1, 28, 28), components=3)   # params_per_element == 9
        likelihood(torch.randn(8, 9, 1, 28, 28)).log_prob(x)                      # x: (8, 1, 28, 28) -> (8,)
    """

    reads = frozenset({"logistic_components"})  # the ModelConfig settings it reads

    data_support = eight_bit  # the levels k / 255 (binary data lie on them too)
    density = False  # exact probabilities of the levels: no dequantization
    levels = LEVELS

    def __init__(self, data_shape: tuple[int, ...], components: int = 5) -> None:
        super().__init__()
        self.event_ndim = len(data_shape)
        self.components = components
        self.params_per_element = 3 * components

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig) -> DiscretizedLogisticLikelihood:
        return cls(data_shape, cfg.logistic_components)

    def forward(self, params: torch.Tensor) -> Independent:
        axis = -1 - self.event_ndim
        logits, loc, log_scale = (p.movedim(axis, -1) for p in params.split(self.components, dim=axis))
        mixture = DiscretizedLogisticMixture(logits, loc, log_scale.clamp(min=MIN_LOG_SCALE), validate_args=False)
        return Independent(mixture, self.event_ndim, validate_args=False)
