"""A 256-way categorical likelihood on 8-bit data (as in PixelRNN, van den Oord et al. 2016), every element apart.

The decoder gives 256 logits per data element, one per level k / 255; nothing ties neighbouring levels together,
so it can fit any histogram, at the cost of 256 outputs per element::

    likelihood = Categorical256Likelihood((1, 28, 28))
    px = likelihood(decoder_output)            # decoder_output: (B, 256, 1, 28, 28)
    px.log_prob(x)                              # x: (B, 1, 28, 28) in {0, 1/255, ..., 1} -> (B,)
    px.mean, px.sample()                        # (B, 1, 28, 28) in [0, 1]; samples on the k/255 grid
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.distributions import Categorical, Independent, constraints

from vaekit.config import ModelConfig
from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.base import Likelihood
from vaekit.likelihoods.discretized_logistic import LEVELS, eight_bit, to_level


class Categorical256(Categorical):
    """torch's Categorical over 256 classes, relabelled: class k is the value k / 255.

    log_prob takes values in [0, 1] (rounded to the nearest level), mean, variance and mode are those of the values,
    and sample and enumerate_support return values::

        d = Categorical256(logits=torch.zeros(3, 256))
        d.log_prob(torch.full((3,), 7 / 255))   # log(1/256) each
        d.mean                                   # 0.5 each
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = eight_bit
    has_enumerate_support = True

    def _values(self) -> torch.Tensor:
        return torch.arange(LEVELS, dtype=self.logits.dtype, device=self.logits.device) / (LEVELS - 1)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        # torch's Categorical broadcasts an int64 copy of the value to the full (..., 256) shape before gathering;
        # expanding views (no copies) to the common batch shape instead keeps memory at one index per element.
        shape = torch.broadcast_shapes(value.shape, self.batch_shape)
        index = to_level(value).expand(shape).unsqueeze(-1)
        return self.logits.expand(shape + (LEVELS,)).gather(-1, index).squeeze(-1)  # logits are normalised (log p)

    def level_probs(self) -> torch.Tensor:
        """(*batch_shape, 256) float64 probabilities of the levels, for an entropy coder (vaekit.tasks.compression)."""
        return F.softmax(self.logits.double(), -1)

    @property
    def mean(self) -> torch.Tensor:
        # clamp: a sum of probabilities that rounds to 1 + eps must not put the mean outside [0, 1]
        return (self.probs * self._values()).sum(-1).clamp(0, 1)

    @property
    def variance(self) -> torch.Tensor:
        # sum p (v - mean)^2, not E[v^2] - mean^2, which can round to a small negative number
        return (self.probs * (self._values() - self.mean.unsqueeze(-1)) ** 2).sum(-1)

    @property
    def mode(self) -> torch.Tensor:
        return super().mode.to(self.logits.dtype) / (LEVELS - 1)

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        return super().sample(sample_shape).to(self.logits.dtype) / (LEVELS - 1)

    def enumerate_support(self, expand: bool = True) -> torch.Tensor:
        return super().enumerate_support(expand).to(self.logits.dtype) / (LEVELS - 1)


@LIKELIHOODS.register("categorical")
class Categorical256Likelihood(Likelihood):
    """p(x|z) = prod_i Categorical256(x_i; softmax(logits_i(z))) on 8-bit data x_i = k / 255.

    The decoder outputs (..., 256, *data_shape)::

        likelihood = Categorical256Likelihood((3, 8, 8))          # params_per_element == 256
        likelihood(torch.randn(4, 256, 3, 8, 8)).log_prob(x)      # x: (4, 3, 8, 8) -> (4,)
    """

    params_per_element = LEVELS
    data_support = eight_bit  # the levels k / 255 (binary data lie on them too)
    density = False  # exact probabilities of the levels: no dequantization
    levels = LEVELS

    def __init__(self, data_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.event_ndim = len(data_shape)

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig) -> Categorical256Likelihood:
        return cls(data_shape)

    def forward(self, params: torch.Tensor) -> Independent:
        logits = params.movedim(-1 - self.event_ndim, -1)  # torch's Categorical wants the classes last
        return Independent(Categorical256(logits=logits, validate_args=False), self.event_ndim, validate_args=False)
