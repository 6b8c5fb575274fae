"""A likelihood for mixed-type tables: each column gets its own distribution,

    continuous   Gaussian with a learned per-column scale, on the column standardized inside (Jacobian included)
    mixture      a mixture of M = column_mixture.MIXTURE_COMPONENTS Gaussians whose weights, means and scales all
                 come from the decoder, on the column standardized inside (Jacobian included): for skewed or
                 multi-modal number columns
    binary       Bernoulli on the column's code 0/1
    categorical  Categorical over the column's K codes

and log p(x|z) is their sum. Column types come with the data (inferred from a CSV/Parquet/DataFrame, overridable
with --column-types); binary and categorical columns hold codes 0..K-1 that index the column's values, which
`vaekit sample` writes back as the original values. The encoder sees standardized continuous and mixture columns
(continuous first, then mixture), binary codes and one-hot categorical columns.

The decoder gives P = params_per_element parameters per column, (..., P, D): P = max(1, 3M if any column is a
mixture, K of each categorical). Row 0 is a continuous column's standardized mean and a binary column's logit;
rows 0..3M-1 a mixture column's [logits | means | log-scales] of its M components; rows 0..K-1 a categorical
column's logits; rows beyond a column's own are unused. Without mixture columns P is what it was before them.

    likelihood = MixedLikelihood(["continuous", "categorical"], [None, ["a", "b", "c"]])
    px = likelihood(decoder_params)        # (..., 3, 2): up to 3 parameters per column
    px.log_prob(x); px.mean; px.sample()   # the mean is the mean of number columns, the mode of the others
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Distribution, constraints

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import LIKELIHOODS
from vaekit.data.table.reader import COLUMN_TYPES
from vaekit.likelihoods import column_mixture
from vaekit.likelihoods.base import Likelihood, observed_moments

MIN_LOG_SCALE = -7.0


class MixedTable(Distribution):
    """p(x|z) over the columns of a table: event shape (D,), one distribution per column."""

    arg_constraints: dict = {}
    support = constraints.independent(constraints.real, 1)

    def __init__(self, params: torch.Tensor, likelihood: MixedLikelihood) -> None:
        self.params, self.spec = params, likelihood
        super().__init__(batch_shape=params.shape[:-2], event_shape=params.shape[-1:], validate_args=False)

    def _continuous(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, scale) of the continuous columns, in the data's units."""
        spec, n = self.spec, len(self.spec.continuous)
        standardized = self.params[..., 0, spec.continuous]
        scale = spec.log_scale.clamp(min=MIN_LOG_SCALE).exp()
        return spec.shift[:n] + spec.scale[:n] * standardized, spec.scale[:n] * scale

    def _mixture(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(params (..., C, 3M), shift (C,), scale (C,)) of the C mixture columns: y = (x - shift) / scale."""
        spec, n = self.spec, len(self.spec.continuous)
        params = self.params[..., :column_mixture.PARAMS_PER_COLUMN, spec.mixture].transpose(-1, -2)
        return params, spec.shift[n:], spec.scale[n:]

    def _numbers(self, draw: bool) -> torch.Tensor | None:
        """The continuous then the mixture columns (..., len(spec.numbers)) in the data's units: the mean, or a
        draw."""
        spec, parts = self.spec, []
        if spec.continuous:
            mean, scale = self._continuous()
            parts.append(torch.normal(mean, scale) if draw else mean)
        if spec.mixture:
            params, shift, scale = self._mixture()
            parts.append(shift + scale * (column_mixture.sample(params) if draw else column_mixture.mean(params)))
        return torch.cat(parts, dim=-1) if parts else None

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.entry_log_prob(x).sum(-1)

    def entry_log_scale(self) -> torch.Tensor:
        """(D,) log scale of each number column (continuous, then mixture ones, in their places; 0 for binary and
        categorical columns): its Jacobian term, the same in every row (score maps leave it out)."""
        spec, n = self.spec, len(self.spec.continuous)
        log_scale = torch.zeros(len(spec.types), dtype=self.params.dtype, device=self.params.device)
        log_scale[spec.continuous] = spec.scale[:n].log().to(log_scale.dtype)
        log_scale[spec.mixture] = spec.scale[n:].log().to(log_scale.dtype)
        return log_scale

    def entry_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """(..., D): each column's own log-probability (for data with missing values, ObservedEntries)."""
        spec = self.spec
        shape = torch.broadcast_shapes(self.batch_shape, x.shape[:-1])
        total = torch.zeros(*shape, len(spec.types), device=x.device, dtype=self.params.dtype)
        if len(spec.continuous):
            mean, scale = self._continuous()
            total[..., spec.continuous] = torch.distributions.Normal(mean, scale).log_prob(x[..., spec.continuous])
        if len(spec.mixture):  # the density of the standardized column, times the Jacobian 1 / scale
            params, shift, scale = self._mixture()
            standardized = (x[..., spec.mixture] - shift) / scale
            total[..., spec.mixture] = column_mixture.log_prob(params, standardized) - scale.log()
        if len(spec.binary):
            logits, target = torch.broadcast_tensors(self.params[..., 0, spec.binary], x[..., spec.binary])
            total[..., spec.binary] = -F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        if spec.categorical:  # every categorical column at once: levels past a column's K padded with -inf
            columns = [column for column, _ in spec.categorical]
            log_p = torch.log_softmax(self.params[..., :, columns] + spec.level_padding, dim=-2)  # (..., P, C)
            codes = torch.minimum(x[..., columns].round().long().clamp(min=0), spec.last_level)      # (..., C)
            shape = torch.broadcast_shapes(codes.shape[:-1], log_p.shape[:-2])
            picked = log_p.expand(*shape, *log_p.shape[-2:]).gather(
                -2, codes.expand(*shape, len(columns)).unsqueeze(-2))
            total[..., columns] = picked.squeeze(-2)
        return total

    def _assemble(self, numbers: torch.Tensor | None, binary: torch.Tensor | None,
                  categorical: list[torch.Tensor], batch_shape: torch.Size | None = None) -> torch.Tensor:
        """Rows (*batch_shape, D) from the number columns (continuous then mixture), the binary and the
        categorical ones."""
        spec, shape = self.spec, self.batch_shape if batch_shape is None else batch_shape
        out = torch.zeros(*shape, len(spec.types), device=self.params.device, dtype=self.params.dtype)
        if numbers is not None:
            out[..., spec.numbers] = numbers
        if binary is not None:
            out[..., spec.binary] = binary
        for (column, _), codes in zip(spec.categorical, categorical):
            out[..., column] = codes.to(out.dtype)
        return out

    @property
    def mean(self) -> torch.Tensor:
        """Continuous and mixture columns: the mean; binary and categorical columns: the most probable code."""
        spec = self.spec
        binary = (self.params[..., 0, spec.binary] > 0).to(self.params.dtype) if len(spec.binary) else None
        categorical = [self.params[..., :k, column].argmax(-1) for column, k in spec.categorical]
        return self._assemble(self._numbers(draw=False), binary, categorical)

    def with_logit_offsets(self, offsets: dict[int, torch.Tensor]) -> MixedTable:
        """The table with `offsets[j]` added to the logits of binary or categorical column j (one number for a
        binary column, K for a categorical one): a correction of those columns' marginals after training
        (vaekit.tasks.synthesis.calibration)."""
        params = self.params.clone()
        for column, offset in offsets.items():
            params[..., :len(offset), column] += offset.to(params)
        return MixedTable(params, self.spec)

    def level_shares(self) -> dict[int, torch.Tensor]:
        """Each binary and categorical column's probability of each level (a binary column's [P(0), P(1)]),
        averaged over the batch: the column's marginal under these p(x|z)."""
        spec, shares = self.spec, {}
        flat = self.params.reshape(-1, *self.params.shape[-2:])
        for column in spec.binary:
            p = torch.sigmoid(flat[:, 0, column]).mean()
            shares[column] = torch.stack([1 - p, p])
        for column, k in spec.categorical:
            shares[column] = torch.softmax(flat[:, :k, column], dim=-1).mean(0)
        return shares

    def sample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        if sample_shape:
            raise NotImplementedError("draw one table of samples at a time")
        spec = self.spec
        with torch.no_grad():  # numbers first: a seed draws the same rows as before mixture columns
            numbers = self._numbers(draw=True)
            binary = torch.bernoulli(torch.sigmoid(self.params[..., 0, spec.binary])) if len(spec.binary) else None
            categorical = [torch.distributions.Categorical(logits=self.params[..., :k, column])
                           .sample() for column, k in spec.categorical]
            return self._assemble(numbers, binary, categorical)


@LIKELIHOODS.register("mixed")
class MixedLikelihood(Likelihood):
    """Per-column likelihoods of a mixed-type table; see the module docstring. `types` names each column's
    type, `values` lists the values of each binary or categorical column (None for continuous and mixture ones)."""

    needs_schema = True
    density = False  # exact probabilities of the binary and categorical columns: no dequantization

    def __init__(self, types: list[str], values: list[list[Any] | None]) -> None:
        super().__init__()
        unknown = sorted(set(types) - set(COLUMN_TYPES))
        if unknown:
            raise ConfigError(f"unknown column types {unknown}; choose from {', '.join(COLUMN_TYPES)}")
        self.types = list(types)
        self.continuous = [i for i, kind in enumerate(types) if kind == "continuous"]
        self.mixture = [i for i, kind in enumerate(types) if kind == "mixture"]
        self.numbers = self.continuous + self.mixture  # the standardized columns, in the order of shift and scale
        self.binary = [i for i, kind in enumerate(types) if kind == "binary"]
        self.categorical = [(i, len(values[i] or [])) for i, kind in enumerate(types) if kind == "categorical"]
        if any(k < 2 for _, k in self.categorical):
            raise ConfigError("a categorical column needs its list of at least two values")
        mixture = [column_mixture.PARAMS_PER_COLUMN] if self.mixture else []
        self.params_per_element = max([1] + mixture + [k for _, k in self.categorical])
        self.input_width = len(self.numbers) + len(self.binary) + sum(k for _, k in self.categorical)
        self.log_scale = nn.Parameter(torch.zeros(len(self.continuous)))  # a mixture's scales come from the decoder
        # the number columns' mean and standard deviation (continuous, then mixture columns), set from the training
        # split (fit_data), saved; without mixture columns, the very buffers of the runs from before them
        # (P, C): 0 for each categorical column's K levels, -inf past them; and each column's last code. Not saved
        # (persistent=False): derived from the column values, so runs saved before them load as they were
        padding = torch.zeros(self.params_per_element, len(self.categorical))
        for j, (_, k) in enumerate(self.categorical):
            padding[k:, j] = float("-inf")
        self.register_buffer("level_padding", padding, persistent=False)
        self.register_buffer("last_level", torch.tensor([k - 1 for _, k in self.categorical], dtype=torch.long),
                             persistent=False)
        self.register_buffer("shift", torch.zeros(len(self.numbers)))
        self.register_buffer("scale", torch.ones(len(self.numbers)))

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig,
                    schema: tuple[list[str], list[list[Any] | None]] | None = None) -> MixedLikelihood:
        if schema is None or len(data_shape) != 1 or len(schema[0]) != data_shape[0]:
            raise ConfigError("the mixed likelihood needs a table whose column types are known (a CSV or "
                              "Parquet file, or a DataFrame)")
        return cls(*schema)

    @torch.no_grad()
    def fit_data(self, x: torch.Tensor) -> None:
        """Standardization of the continuous and mixture columns from training data (N, D)."""
        if self.numbers:
            shift, std = observed_moments(x[:, self.numbers])
            self.shift.copy_(shift)
            self.scale.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)))

    def encoder_input_width(self) -> int:
        return self.input_width

    @classmethod
    def scores(cls, binary: bool) -> str:
        return ("mixed table: Gaussian (continuous) and Gaussian-mixture (mixture) densities of the number columns "
                "in their own units plus the exact probabilities of the binary and categorical columns")

    def encoder_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """(..., D) table rows -> (..., input_width) network inputs."""
        parts = [(x[..., self.numbers] - self.shift) / self.scale, x[..., self.binary]]
        for column, k in self.categorical:
            parts.append(F.one_hot(x[..., column].round().long().clamp(0, k - 1), k).to(x.dtype))
        return torch.cat(parts, dim=-1)

    def input_mask(self, observed: torch.Tensor) -> torch.Tensor:
        """(..., D) observed columns -> (..., input_width): a categorical column's mask covers its one-hot block."""
        parts = [observed[..., self.numbers], observed[..., self.binary]]
        for column, k in self.categorical:
            parts.append(observed[..., column, None].expand(*observed.shape[:-1], k))
        return torch.cat(parts, dim=-1)

    def weighted_mean(self, px: MixedTable, weights: torch.Tensor) -> torch.Tensor:
        """Continuous and mixture columns: sum_j w_j E[x | z_j]; binary and categorical ones: the most probable
        value of the mixture sum_j w_j p(x | z_j) (a mean of codes would be no value of the column)."""
        w = weights.unsqueeze(-1)
        numbers = px._numbers(draw=False)
        numbers = (w * numbers).sum(0) if numbers is not None else None
        binary = ((w * torch.sigmoid(px.params[..., 0, self.binary])).sum(0) > 0.5).to(px.params.dtype) \
            if self.binary else None
        categorical = [(w * torch.softmax(px.params[..., :k, column], -1)).sum(0).argmax(-1)
                       for column, k in self.categorical]
        return px._assemble(numbers, binary, categorical, px.batch_shape[1:])

    def forward(self, params: torch.Tensor) -> MixedTable:
        return MixedTable(params, self)

