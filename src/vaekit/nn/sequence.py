"""Sequence networks for text (token ids) and real-valued time series, with padding masks: a recurrent encoder
(`rnn`, GRU or LSTM by `cell`) and a 1-D convolutional one (`conv1d`), both with the same decoder side.

The decoder side of a sequence VAE is split in two (Bowman et al. 2016's text VAE):

    network decoder   z (..., d) -> context (..., S + L) = [initial state of the recurrence (S), z fed to each step (L)]
    likelihood        context -> p(x|z), an autoregressive distribution that holds the recurrent decoder itself
                      (likelihoods/autoregressive.py for tokens, autoregressive_gaussian.py for series)

so model.decode(z) = likelihood(decoder(z)) stays the one VAE's decode: the recurrence runs inside the
distribution, teacher-forced in log_prob, step by step when decoding. S and L come from the config alone
(`context_widths`), so the network and the likelihood agree without seeing each other. These networks read
sequences only, for an autoregressive likelihood (and those likelihoods need one of them): build_model checks
`reads_sequences`.

    encoder, feature_dim, decoder = NETWORKS.get("rnn")((T,), latent_dim, vocabulary_size, cfg)
    encoder(x)      # x (B, T) token ids -> (B, rnn_hidden) features of the real tokens only
"""

from __future__ import annotations

import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import NETWORKS
from vaekit.core.tunable import Span
from vaekit.nn.activations import ACTIVATIONS
from vaekit.nn.base import declares
from vaekit.nn.sequence_cells import Recurrent, StepReader, last_step


def context_widths(cfg: ModelConfig, latent_dim: int | None = None) -> tuple[int, int]:
    """(S, L): the width of the decoder's flat initial state and of the code joined to each step's input (0 for a
    language model, whose decoder reads no code, or with latent_inputs off)."""
    state = 2 * cfg.rnn_hidden if cfg.cell == "lstm" else cfg.rnn_hidden
    code = 0 if cfg.language_model or not cfg.latent_inputs else (latent_dim or cfg.latent_dim)
    return state, code


class LatentContext(nn.Module):
    """z (..., d) -> [tanh(W z + b), z] (..., S + L): the decoder's initial state and the code for every step.

    A language model's (`language_model`) ignores z: its initial state is a learned constant and it feeds no code,
    so p(x|z) = p(x)."""

    def __init__(self, latent_dim: int, cfg: ModelConfig) -> None:
        super().__init__()
        self.state_width, self.code_width = context_widths(cfg, latent_dim)
        self.language_model = cfg.language_model
        if self.language_model:
            self.initial_state = nn.Parameter(torch.zeros(self.state_width))
        else:
            self.to_state = nn.Linear(latent_dim, self.state_width)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.language_model:
            return self.initial_state.to(z.dtype).expand(*z.shape[:-1], self.state_width)
        state = torch.tanh(self.to_state(z))
        return torch.cat([state, z], dim=-1) if self.code_width else state


class RecurrentEncoder(nn.Module):
    """(B, *data_shape) -> (B, H): the recurrence's output at each sequence's last real step."""

    def __init__(self, reader: StepReader, cell: str, hidden: int) -> None:
        super().__init__()
        self.reader = reader
        self.rnn = Recurrent(cell, reader.width, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:x.dim() - len(self.reader.data_shape)]
        inputs, mask = self.reader(x)
        outputs, _ = self.rnn(inputs)
        return last_step(outputs, mask).reshape(*lead, -1)


class ConvSequenceEncoder(nn.Module):
    """(B, *data_shape) -> (B, 2 C): 1-D convolutions (kernel 3, dilation doubling each layer, so the receptive
    field grows to 2^(layers+1) - 1 steps), padding steps zeroed after every layer so that real steps see zeros
    beyond the sequence's end however long the padding, then the masked mean and maximum over the real steps."""

    def __init__(self, reader: StepReader, channels: list[int], activation: str) -> None:
        super().__init__()
        self.reader = reader
        self.layers = nn.ModuleList()
        self.activation = ACTIVATIONS[activation]()
        for i, (c_in, c_out) in enumerate(zip([reader.width, *channels[:-1]], channels)):
            self.layers.append(nn.Conv1d(c_in, c_out, kernel_size=3, dilation=2**i, padding=2**i))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:x.dim() - len(self.reader.data_shape)]
        inputs, mask = self.reader(x)
        keep = mask.unsqueeze(1).to(inputs.dtype)  # (N, 1, T)
        h = inputs.transpose(1, 2) * keep
        for layer in self.layers:
            h = self.activation(layer(h)) * keep
        count = keep.sum(-1).clamp(min=1)
        mean = h.sum(-1) / count
        # the maximum over real steps: padding set to -inf first (every sequence has at least one real step)
        peak = h.masked_fill(~mask.unsqueeze(1), float("-inf")).amax(-1)
        return torch.cat([mean, peak], dim=-1).reshape(*lead, -1)


def _reader(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int, cfg: ModelConfig,
            encoder_input: tuple[int, ...] | None, network: str) -> StepReader:
    if latent_dim != cfg.latent_dim:  # the likelihood sizes its steps' inputs from the config alone
        raise ConfigError(f"the {network} network does not take class labels beside z (conditional, class_latent)")
    if encoder_input is not None:
        raise ConfigError(f"the {network} network reads whole sequences; missing values inside them "
                          "(data.missing: model) are not modelled")
    if len(data_shape) == 2 and data_shape[1] < 2:
        raise ConfigError(f"the {network} network reads series (T, C + 1) whose last channel marks the real steps; "
                          f"got examples of shape {data_shape}")
    if len(data_shape) not in (1, 2):
        raise ConfigError(f"the {network} network reads token ids (T,) or series (T, C + 1); got examples of shape "
                          f"{data_shape}")
    return StepReader(data_shape, params_per_element, cfg.embedding_dim)


@NETWORKS.register("rnn")
@declares(reads={"cell", "rnn_hidden", "embedding_dim", "latent_inputs", "activation"}, reads_sequences=True,
          tunable={"rnn_hidden": Span(64, 512, log=True, integer=True)})
def build_rnn(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int, cfg: ModelConfig,
              encoder_input: tuple[int, ...] | None = None) -> tuple[nn.Module, int, nn.Module]:
    """(recurrent encoder, rnn_hidden, LatentContext) for token ids (T,) (an autoregressive likelihood's
    params_per_element is the vocabulary's size) or series (T, C + 1)."""
    reader = _reader(data_shape, latent_dim, params_per_element, cfg, encoder_input, "rnn")
    return RecurrentEncoder(reader, cfg.cell, cfg.rnn_hidden), cfg.rnn_hidden, LatentContext(latent_dim, cfg)


@NETWORKS.register("conv1d")
@declares(reads={"conv_channels", "cell", "rnn_hidden", "embedding_dim", "latent_inputs", "activation"},
          reads_sequences=True, tunable={"rnn_hidden": Span(64, 512, log=True, integer=True)})
def build_conv1d(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int, cfg: ModelConfig,
                 encoder_input: tuple[int, ...] | None = None) -> tuple[nn.Module, int, nn.Module]:
    """(1-D convolutional encoder over conv_channels, 2 * conv_channels[-1], LatentContext)."""
    reader = _reader(data_shape, latent_dim, params_per_element, cfg, encoder_input, "conv1d")
    encoder = ConvSequenceEncoder(reader, cfg.conv_channels, cfg.activation)
    return encoder, 2 * cfg.conv_channels[-1], LatentContext(latent_dim, cfg)


# what build_model asks of a network: these read sequences for an autoregressive likelihood, and only for one
