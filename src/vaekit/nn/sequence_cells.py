"""Recurrent cells shared by the sequence encoders and the autoregressive decoders: a fused GRU or LSTM over whole
sequences, its state as one flat vector (so a latent code can set it through a linear layer), and the reading of
sequence data as step inputs with the mask of real steps.

    rnn = Recurrent("gru", input_size=32, hidden=64)
    outputs, state = rnn(inputs, rnn.unflatten(flat_state))   # inputs (N, T, 32) -> outputs (N, T, 64)
    rnn.state_width                                           # 64 (an LSTM's: 128, its h and c)

Sequence data come in two forms (vaekit.data.text.tokens, vaekit.data.series.reader):
- token ids (N, T), PAD = 0 after the sentence's EOS: the real steps are x != PAD;
- real vectors (N, T, C + 1) whose last channel is 1 on real steps and 0 on padding (and the values 0 there).
"""

from __future__ import annotations

import torch
from torch import nn

from vaekit.data.text.tokens import PAD

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class Recurrent(nn.Module):
    """One fused nn.GRU or nn.LSTM layer, batch first, whose state is also read and written as one flat vector."""

    def __init__(self, cell: str, input_size: int, hidden: int) -> None:
        super().__init__()
        self.lstm = cell == "lstm"
        self.hidden = hidden
        self.rnn = (nn.LSTM if self.lstm else nn.GRU)(input_size, hidden, batch_first=True)

    @property
    def state_width(self) -> int:
        """The width of the flat state: h, and for an LSTM its cell c beside it."""
        return 2 * self.hidden if self.lstm else self.hidden

    def unflatten(self, flat: torch.Tensor) -> State:
        """(N, state_width) -> the state nn.GRU / nn.LSTM take, (1, N, H) (an LSTM's pair)."""
        if self.lstm:
            h, c = flat.split(self.hidden, dim=-1)
            return h.unsqueeze(0).contiguous(), c.unsqueeze(0).contiguous()
        return flat.unsqueeze(0).contiguous()

    def forward(self, inputs: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        return self.rnn(inputs, state)


class StepReader(nn.Module):
    """Sequence data -> (step inputs (N, T, width), mask of real steps (N, T) bool).

    Tokens are embedded (`vocabulary_size` ids, PAD's embedding is zero); vectors give their values, the mask
    channel left out."""

    def __init__(self, data_shape: tuple[int, ...], vocabulary_size: int, embedding_dim: int) -> None:
        super().__init__()
        self.tokens = len(data_shape) == 1
        self.data_shape = data_shape
        if self.tokens:
            self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=PAD)
            self.width = embedding_dim
        else:
            self.width = data_shape[1] - 1

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.reshape(-1, *self.data_shape)
        if self.tokens:
            mask = x != PAD
            return self.embedding(x.long()), mask
        return x[..., :-1], x[..., -1] > 0.5


def last_step(outputs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """outputs (N, T, H) at each sequence's last real step -> (N, H). A recurrence reads left to right, so this
    output has seen the real steps only, however much padding follows (no packing needed)."""
    last = (mask.sum(-1) - 1).clamp(min=0)
    return outputs.gather(1, last.view(-1, 1, 1).expand(-1, 1, outputs.shape[-1])).squeeze(1)
