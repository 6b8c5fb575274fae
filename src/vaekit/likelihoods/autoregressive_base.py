"""What the two autoregressive distributions (tokens, real-valued series) share: a context per sequence (the
decoder's initial state and the code fed to each step, nn/sequence.py), scored and decoded row by row in chunks
so that memory stays bounded however many latent draws an estimate decodes at once.

    px = SequenceDistribution(decoder, context, event_shape)   # context (..., S + L) -> batch shape (...)
    px.log_prob(x)          # x broadcast against the batch shape: one score per (context, sequence) pair

and the likelihood modules' shared part, `RecurrentDecoder`: the recurrence that reads [input, code] per step from
the initial state the context carries.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.distributions import Distribution, constraints

from vaekit.config import ModelConfig
from vaekit.core.errors import VaekitError
from vaekit.likelihoods.base import Likelihood
from vaekit.nn.sequence import context_widths
from vaekit.nn.sequence_cells import Recurrent, State

# decoder outputs held at once while scoring (floats): 16M = 64 MB. An importance-weighted estimate decodes
# k x B sequences, each with T x V logits: without chunks that is gigabytes for a 10,000-word vocabulary.
CHUNK_OUTPUTS = 16_000_000


class SequenceDistribution(Distribution):
    """Base of the autoregressive distributions: batch shape = context.shape[:-1], event shape = one sequence.

    `decoder` is the likelihood module holding the recurrence; it scores rows with `score(context (N, W), x (N,
    *event)) -> (N,)` and reports `outputs_per_row` (the floats one row's scoring holds)."""

    arg_constraints = {"context": constraints.real_vector}

    def __init__(self, decoder: nn.Module, context: torch.Tensor, event_shape: tuple[int, ...]) -> None:
        self.decoder = decoder
        self.context = context
        super().__init__(batch_shape=context.shape[:-1], event_shape=torch.Size(event_shape), validate_args=False)

    def _rows(self, value: torch.Tensor | None = None) -> tuple[torch.Size, torch.Tensor, torch.Tensor | None]:
        """(batch shape after broadcasting, contexts (N, W), values (N, *event) or None) as flat rows."""
        event = self.event_shape
        shape = self.batch_shape if value is None else \
            torch.broadcast_shapes(value.shape[:value.dim() - len(event)], self.batch_shape)
        context = self.context.expand(*shape, self.context.shape[-1]).reshape(-1, self.context.shape[-1])
        rows = None if value is None else value.expand(*shape, *event).reshape(-1, *event)
        return shape, context, rows

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """log p(x|z) summed over the sequence's real steps, (batch shape broadcast with value's)."""
        shape, context, rows = self._rows(value)
        if torch.is_grad_enabled():  # training keeps every chunk's graph until backward: chunks would save nothing
            return self.decoder.score(context, rows).reshape(shape)
        step = max(1, CHUNK_OUTPUTS // self.decoder.outputs_per_row)
        scores = [self.decoder.score(context[i:i + step], rows[i:i + step]) for i in range(0, len(context), step)]
        return torch.cat(scores).reshape(shape) if scores else context.new_zeros(shape)

    def entry_log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """Each step's share of log p(x|z), (batch shape, T), from a decoder that scores steps one by one
        (`scores_entries`); they sum to log_prob."""
        if not self.decoder.scores_entries:
            raise VaekitError(f"the {type(self.decoder).__name__} decoder scores whole sequences only, not their steps "
                              "one by one")
        shape, context, rows = self._rows(value)
        step = max(1, CHUNK_OUTPUTS // self.decoder.outputs_per_row)
        scores = [self.decoder.step_scores(context[i:i + step], rows[i:i + step]) for i in range(0, len(context), step)]
        return torch.cat(scores).reshape(*shape, -1)

    def _decoded(self, decode: Callable[[torch.Tensor], torch.Tensor],
                 sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        """decode(contexts (N, W)) -> (N, *event), applied to every row of sample_shape + batch shape."""
        shape = torch.Size(sample_shape) + self.batch_shape
        context = self.context.expand(*shape, self.context.shape[-1]).reshape(-1, self.context.shape[-1])
        with torch.no_grad():
            if len(context) == 0:
                return context.new_zeros(*shape, *self.event_shape)
            return decode(context).reshape(*shape, *self.event_shape)



class RecurrentDecoder(Likelihood):
    """Base of the autoregressive likelihood modules: the recurrence over [step input (I), code (L)] from the
    initial state (S) of the context [S, L] that nn/sequence.py's LatentContext makes of z."""

    autoregressive = True
    scores_entries = False  # True where step_scores(context, x) -> (N, T) gives each step's share of log p(x|z)

    def __init__(self, input_width: int, cfg: ModelConfig) -> None:
        super().__init__()
        self.state_width, self.code_width = context_widths(cfg)
        self.rnn = Recurrent(cfg.cell, input_width + self.code_width, cfg.rnn_hidden)

    def start(self, context: torch.Tensor) -> State:
        """The recurrence's initial state from contexts (N, S + L)."""
        return self.rnn.unflatten(context[:, :self.state_width])

    def run(self, inputs: torch.Tensor, context: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """The recurrence over inputs (N, t, I) with the contexts' code beside every step: (outputs (N, t, H),
        state)."""
        if self.code_width:
            code = context[:, self.state_width:].unsqueeze(1).expand(-1, inputs.shape[1], -1)
            inputs = torch.cat([inputs, code.to(inputs.dtype)], dim=-1)
        return self.rnn(inputs, state)



def generator_device(generator: torch.Generator | None, device: torch.device) -> torch.device:
    """Where a draw is made: on the generator's device when one is given (a CPU generator for a model on a GPU
    gives the same numbers whatever the model's device), else on `device`."""
    return device if generator is None else generator.device
