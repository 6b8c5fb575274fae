"""Decoding token sequences from an autoregressive decoder: greedy, ancestral sampling and beam search.

Each works on rows of decoder contexts (N, W) and a `step` function of the decoder,

    step(previous tokens (N,), state, position t) -> (log-probabilities (N, V) of the token at t, new state)

whose log-probabilities already give -inf to tokens that cannot come at t (PAD and BOS anywhere, everything but
EOS at the last position), so every decoded sentence ends with EOS within T tokens. After EOS a row holds PAD.

    tokens = greedy(decoder, context, T)                            # (N, T) int64
    tokens = sample(decoder, context, T, generator, temperature=0.8)
    tokens = beam_search(decoder, context, T, beam_width=5)         # the most probable sentence the beam finds
"""

from __future__ import annotations

from typing import Protocol

import torch

from vaekit.data.text.tokens import BOS, EOS, PAD
from vaekit.likelihoods.autoregressive_base import generator_device
from vaekit.nn.sequence_cells import State


class Stepper(Protocol):
    def start(self, context: torch.Tensor) -> State: ...

    def step(self, previous: torch.Tensor, state: State, t: int, context: torch.Tensor
             ) -> tuple[torch.Tensor, State]: ...


def _select(state: State, index: torch.Tensor) -> State:
    """The state rows (dim 1 of nn.GRU/nn.LSTM states) at `index`."""
    if isinstance(state, tuple):
        return tuple(part.index_select(1, index) for part in state)  # type: ignore[return-value]
    return state.index_select(1, index)


def _left_to_right(decoder: Stepper, context: torch.Tensor, length: int, choose) -> torch.Tensor:
    """Decode one token per step with choose(log_probs (N, V)) -> tokens (N,), PAD after a row's EOS."""
    rows = len(context)
    state = decoder.start(context)
    previous = torch.full((rows,), BOS, dtype=torch.long, device=context.device)
    finished = torch.zeros(rows, dtype=torch.bool, device=context.device)
    tokens = torch.full((rows, length), PAD, dtype=torch.long, device=context.device)
    for t in range(length):
        log_probs, state = decoder.step(previous, state, t, context)
        chosen = torch.where(finished, torch.full_like(previous, PAD), choose(log_probs))
        tokens[:, t] = chosen
        finished = finished | (chosen == EOS)
        previous = chosen
        if bool(finished.all()):
            break
    return tokens


def greedy(decoder: Stepper, context: torch.Tensor, length: int) -> torch.Tensor:
    """The most probable token at each step, given the tokens chosen before."""
    return _left_to_right(decoder, context, length, lambda log_probs: log_probs.argmax(-1))


def sample(decoder: Stepper, context: torch.Tensor, length: int, generator: torch.Generator | None = None,
           temperature: float = 1.0) -> torch.Tensor:
    """Ancestral sampling: each token drawn from p(x_t | x_<t, z)^(1/temperature), renormalised; a generator
    makes it repeatable."""
    def draw(log_probs: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(log_probs / temperature, dim=-1)
        where = generator_device(generator, probs.device)
        return torch.multinomial(probs.to(where), 1, generator=generator).to(probs.device).squeeze(-1)

    return _left_to_right(decoder, context, length, draw)


def beam_search(decoder: Stepper, context: torch.Tensor, length: int, beam_width: int = 5) -> torch.Tensor:
    """The most probable sentence among those a beam of `beam_width` hypotheses reaches, by total log-probability
    (no length normalisation: the score is log p(x|z) itself).

    A hypothesis that has ended (EOS) stays in the beam with its score and grows only by PAD at no cost, so it
    competes with the longer ones to the end instead of being dropped or expanded further. With beam_width 1 this
    is greedy decoding; with a beam as wide as the number of prefixes it is exact."""
    rows, width = len(context), beam_width
    device = context.device
    state = _select(decoder.start(context), torch.arange(rows, device=device).repeat_interleave(width))
    beam_context = context.repeat_interleave(width, dim=0)
    # only the first hypothesis of each row is live at the start, so the first step does not pick one token W times
    scores = torch.full((rows, width), float("-inf"), device=device)
    scores[:, 0] = 0.0
    finished = torch.zeros(rows, width, dtype=torch.bool, device=device)
    tokens = torch.full((rows, width, length), PAD, dtype=torch.long, device=device)
    previous = torch.full((rows * width,), BOS, dtype=torch.long, device=device)
    for t in range(length):
        log_probs, state = decoder.step(previous, state, t, beam_context)
        vocabulary = log_probs.shape[-1]
        log_probs = log_probs.view(rows, width, vocabulary)
        # an ended hypothesis continues with PAD only, its score unchanged
        ended = torch.full((vocabulary,), float("-inf"), device=device)
        ended[PAD] = 0.0
        log_probs = torch.where(finished.unsqueeze(-1), ended, log_probs)
        candidates = (scores.unsqueeze(-1) + log_probs).view(rows, width * vocabulary)
        scores, index = candidates.topk(width, dim=-1)
        parent, token = index // vocabulary, index % vocabulary
        tokens = tokens.gather(1, parent.unsqueeze(-1).expand(-1, -1, length)).clone()
        tokens[:, :, t] = token
        finished = finished.gather(1, parent) | (token == EOS)
        flat_parent = (parent + torch.arange(rows, device=device).unsqueeze(-1) * width).view(-1)
        state = _select(state, flat_parent)
        previous = token.view(-1)
        if bool(finished.all()):
            break
    best = scores.argmax(-1)
    return tokens[torch.arange(rows, device=device), best]
