"""An autoregressive Gaussian likelihood over real-valued time series of any length up to T.

A series example is (T, C + 1): C values per step and a last channel m_t that is 1 on the series' steps and 0 on
the padding after them (vaekit.data.series.reader). The decoder models the values and the length:

    p(x|z) = prod_{t < n} N(x_t; mu_t, sigma_t^2) * prod_{1 <= t <= min(n, T - 1)} p(m_t | x_<t, z)
    [mu_t, log sigma_t, logit of m_t] = W h_t + b,   h_t = RNN(h_{t-1}, [x_{t-1}, 1{t = 0}, z]),   h_0 = tanh(A z + c)

where n = sum_t m_t >= 1 is the length: at each step after the first the decoder says whether the series goes on
(a Bernoulli, the analogue of a sentence's EOS), and the values of the steps that exist. Padding is never scored
and never read, so it changes no score.

    likelihood = GaussianAutoregressiveLikelihood.from_config((T, C + 1), cfg)
    px = likelihood(context)            # context (..., S + L) from nn/sequence.py's LatentContext(z)
    px.log_prob(x)                      # x (B, T, C + 1) -> (B,)
    px.mean                             # greedy: each step's mean fed back, ending at the median length
    px.sample(), px.decode("sample", generator=g, temperature=0.5)
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, constraints

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.autoregressive_base import RecurrentDecoder, SequenceDistribution, generator_device

# sigma = softplus(raw) + MIN_SCALE: a decoder that fits a constant series exactly cannot drive the density to
# infinity
MIN_SCALE = 1e-3


class GaussianSeries(SequenceDistribution):
    """p(x|z) over series (T, C + 1) for a batch of decoder contexts; see the module docstring."""

    support = constraints.independent(constraints.real, 2)

    @property
    def mean(self) -> torch.Tensor:
        """Greedy decoding: each step's mean fed back as the next input; the series ends at the median of its
        length, where the chance that it is still going falls to 1/2 (`generate`). (..., T, C + 1), the mask
        channel last."""
        return self.decode("greedy")

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        return self._decoded(lambda context: self.decoder.generate(context, True), sample_shape)

    def decode(self, strategy: str = "greedy", beam_width: int = 5, generator: torch.Generator | None = None,
               temperature: float = 1.0) -> torch.Tensor:
        """"greedy" (the means, ending at the median length) or "sample" (values drawn with their scale
        times `temperature`, lengths drawn), with a generator; beam search is for tokens."""
        if strategy not in ("greedy", "sample"):
            raise VaekitError(f"a real-valued series decodes greedy or sample, not {strategy!r} (beam search "
                              "decodes tokens)")
        if not temperature > 0:
            raise VaekitError(f"temperature must be positive, got {temperature}")
        return self._decoded(lambda context: self.decoder.generate(context, strategy == "sample", generator,
                                                                   temperature))


@LIKELIHOODS.register("autoregressive_gaussian")
class GaussianAutoregressiveLikelihood(RecurrentDecoder):
    """The recurrent Gaussian decoder of series (T, C + 1), lengths included; needs a sequence network (rnn,
    conv1d) and series data."""

    reads = frozenset({"cell", "rnn_hidden", "latent_inputs"})  # what it reads
    scores_entries = True  # step_scores: each step's share of log p(x|z), a score map's entries

    data_support = constraints.real
    density = True

    def __init__(self, length: int, channels: int, cfg: ModelConfig) -> None:
        super().__init__(channels + 1, cfg)  # the previous step's values and the start flag
        self.length = length
        self.channels = channels
        self.output = nn.Linear(cfg.rnn_hidden, 2 * channels + 1)

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig) -> GaussianAutoregressiveLikelihood:
        if len(data_shape) != 2 or data_shape[1] < 2:
            raise ConfigError(f"the autoregressive_gaussian likelihood models series (T, C + 1) whose last channel "
                              f"marks the real steps (data kind series); got examples of shape {tuple(data_shape)}")
        return cls(data_shape[0], data_shape[1] - 1, cfg)

    @classmethod
    def scores(cls, binary: bool) -> str | None:
        return ("log-densities of each series' real steps plus the log-probability of its length (nats per series; "
                "padding not scored)")

    @torch.no_grad()
    def fit_data(self, x: torch.Tensor) -> None:
        """The going-on head starts at the training series' share of steps that go on (its bias; the weights
        start near 0), so that the lengths are about right from the first epoch. From the even odds of a fresh
        layer, the length term, a few nats of a series' score, took hundreds of epochs to learn that series go on,
        and decoded series ended after a step or two."""
        mask = x[..., -1] > 0.5
        # one Bernoulli per step after a real one: it goes on where the next step is real too (real steps first)
        scored, went_on = float(mask[:, :-1].sum()), float(mask[:, 1:].sum())
        share = (went_on + 1) / (scored + 2)  # one of each added: a share of 0 or 1 would give an infinite logit
        self.output.bias[-1] = math.log(share / (1 - share))

    @property
    def outputs_per_row(self) -> int:
        return self.length * (2 * self.channels + 1 + self.rnn.hidden)

    def forward(self, context: torch.Tensor) -> GaussianSeries:
        return GaussianSeries(self, context, (self.length, self.channels + 1))

    def _heads(self, outputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(mean, scale, logit of going on) from recurrence outputs (..., H)."""
        mean, raw_scale, go_on = self.output(outputs).float().split([self.channels, self.channels, 1], dim=-1)
        return mean, F.softplus(raw_scale) + MIN_SCALE, go_on.squeeze(-1)

    def _inputs(self, values: torch.Tensor, start: bool) -> torch.Tensor:
        flag = torch.full((*values.shape[:-1], 1), float(start), dtype=values.dtype, device=values.device)
        return torch.cat([values, flag], dim=-1)

    def score(self, context: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log p(x|z) of rows x (N, T, C + 1) under contexts (N, S + L), teacher-forced: (N,)."""
        return self.step_scores(context, x).sum(-1)

    def step_scores(self, context: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Each step's share of log p(x|z), (N, T): its values' log-density plus the log-probability that the
        series goes on after it (or, at its last step, that it ends); 0 on the padding. Where a series' anomaly
        is (score maps)."""
        values, mask = x[..., :-1], x[..., -1] > 0.5
        previous = torch.cat([torch.zeros_like(values[:, :1]), values[:, :-1]], dim=1)
        inputs = torch.cat([self._inputs(previous[:, :1], True), self._inputs(previous[:, 1:], False)], dim=1)
        outputs, _ = self.run(inputs, context, self.start(context))
        mean, scale, go_on = self._heads(outputs)
        zero = torch.zeros((), dtype=mean.dtype, device=mean.device)
        values_term = torch.where(mask, Normal(mean, scale, validate_args=False).log_prob(values).sum(-1), zero)
        # whether step t exists, scored where step t - 1 does (the first always exists)
        exists = -F.binary_cross_entropy_with_logits(go_on[:, 1:], mask[:, 1:].to(go_on.dtype), reduction="none")
        length_term = torch.where(mask[:, :-1], exists, zero)
        # the chance of going on (or stopping) after step t is step t's: a series' last step carries its end
        return values_term + F.pad(length_term, (0, 1))

    def generate(self, context: torch.Tensor, draw: bool, generator: torch.Generator | None = None,
                 temperature: float = 1.0) -> torch.Tensor:
        """Series (N, T, C + 1) decoded step by step: the means, ending at the median length, or draws of both
        values and lengths (`draw`).

        The median, not the likelier of going on or stopping at each step: the chance of stopping at any one step
        is small (series of 8 to 20 steps stop at step t with chance 1/(21 - t), never above 1/2 before the
        last), so the step-by-step choice went on to the full T every time, and no decoded series ended. The
        greedy series goes on while the chance that it is still going, the product of the steps' chances of going
        on along the decoded path, is above 1/2."""
        rows = len(context)
        state = self.start(context)
        previous = torch.zeros(rows, 1, self.channels, dtype=context.dtype, device=context.device)
        alive = torch.ones(rows, dtype=torch.bool, device=context.device)
        still_going = torch.ones(rows, device=context.device)  # P(length > t) along the path, greedy decoding
        series = torch.zeros(rows, self.length, self.channels + 1, dtype=context.dtype, device=context.device)
        for t in range(self.length):
            outputs, state = self.run(self._inputs(previous, t == 0), context, state)
            mean, scale, go_on = self._heads(outputs[:, 0])
            if t > 0:
                probability = torch.sigmoid(go_on)
                if draw:
                    where = generator_device(generator, probability.device)
                    goes_on = torch.bernoulli(probability.to(where), generator=generator).to(probability.device) > 0.5
                else:
                    still_going = still_going * probability
                    goes_on = still_going > 0.5
                alive = alive & goes_on
            if not bool(alive.any()):
                break
            if draw:
                where = generator_device(generator, mean.device)
                noise = torch.randn(mean.shape, generator=generator, device=where, dtype=mean.dtype).to(mean.device)
                mean = mean + temperature * scale * noise
            value = torch.where(alive.unsqueeze(-1), mean.to(context.dtype), torch.zeros((), dtype=context.dtype,
                                                                           device=context.device))
            series[:, t, :-1] = value
            series[:, t, -1] = alive.to(context.dtype)
            previous = value.unsqueeze(1)
        return series
