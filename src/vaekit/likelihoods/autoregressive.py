"""An autoregressive likelihood over token sequences: the recurrent decoder of Bowman et al. 2016's text VAE.

    p(x|z) = prod_{t < |x|} p(x_t | x_<t, z),   p(x_t | x_<t, z) = softmax(W h_t + b),
    h_t = RNN(h_{t-1}, [embed(x_{t-1}), z]),    h_0 = tanh(A z + c),   x_{-1} = BOS

x is a sentence's tokens then EOS then PAD (vaekit.data.text.tokens); the product runs over the real tokens, EOS
included, so padding never changes a score. PAD and BOS are never emitted and the last position can only be EOS:
the probabilities of every sentence of at most T - 1 words plus its EOS sum to exactly 1. The network's decoder
gives the context [h_0, z] (nn/sequence.py); this module holds the embedding, the recurrence and the output layer.

    likelihood = TokenAutoregressiveLikelihood.from_config((T,), cfg, vocabulary_size=V)
    px = likelihood(context)          # context (..., S + L) from LatentContext(z)
    px.log_prob(x)                    # x (B, T) ids -> (B,), teacher forcing through one fused nn.GRU/nn.LSTM call
    px.mean                           # greedy decoding, (B, T) float ids, PAD after the first EOS
    px.sample()                       # ancestral sampling
    px.decode("beam", beam_width=5)   # or "greedy", "sample" (generator=, temperature=)

Word dropout (Bowman et al.): while training, each of the decoder's input tokens (not BOS) is replaced by UNK with
probability `word_dropout`, so that the decoder must lean on z for what it cannot read from its inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import constraints

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.core.registry import LIKELIHOODS
from vaekit.data.text.tokens import BOS, EOS, PAD, UNK
from vaekit.likelihoods import autoregressive_decoding as decoding
from vaekit.likelihoods.autoregressive_base import RecurrentDecoder, SequenceDistribution
from vaekit.nn.sequence_cells import State

STRATEGIES = ("greedy", "sample", "beam")


class _TokenIds(constraints._IntegerGreaterThan):
    """Whole numbers from 0: token ids, which the run's vocabulary bounds above."""

    text = "token ids (whole numbers 0..V-1 of a vocabulary: text data)"

    def __init__(self, vocabulary_size: int | None = None) -> None:
        super().__init__(0)
        self.vocabulary_size = vocabulary_size
        if vocabulary_size is not None:
            self.text = f"token ids (whole numbers 0..{vocabulary_size - 1} of this run's vocabulary)"

    def check(self, value: torch.Tensor) -> torch.Tensor:
        inside = super().check(value)
        return inside if self.vocabulary_size is None else inside & (value < self.vocabulary_size)


TOKEN_IDS = _TokenIds()


class TokenSequence(SequenceDistribution):
    """p(x|z) over token sequences (T,) for a batch of decoder contexts; see the module docstring.

    >>> px.decode("beam", beam_width=5).shape == px.batch_shape + (T,)
    """

    has_enumerate_support = False

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.independent(constraints.integer_interval(0, self.decoder.vocabulary_size - 1), 1)

    @property
    def mean(self) -> torch.Tensor:
        """Greedy decoding (a sequence model's expected value is not a sentence; the greedy one is what
        reconstructions and samples show), (..., T) float ids."""
        return self.decode("greedy")

    def sample(self, sample_shape: torch.Size | tuple[int, ...] = torch.Size()) -> torch.Tensor:
        """Ancestral sampling, (*sample_shape, *batch_shape, T) float ids."""
        return self._decoded(lambda context: decoding.sample(self.decoder, context, self.event_shape[0]),
                             sample_shape).float()

    def decode(self, strategy: str = "greedy", beam_width: int = 5, generator: torch.Generator | None = None,
               temperature: float = 1.0) -> torch.Tensor:
        """(..., T) float ids by `strategy`: "greedy", "sample" (with `generator` and `temperature`, which
        divides the logits) or "beam" (the most probable sentence a beam of `beam_width` finds; greedy and beam
        search the model's own probabilities, so temperature applies to sampling only)."""
        length = self.event_shape[0]
        if strategy == "greedy":
            return self._decoded(lambda context: decoding.greedy(self.decoder, context, length)).float()
        if strategy == "sample":
            if not temperature > 0:
                raise VaekitError(f"temperature must be positive, got {temperature}")
            return self._decoded(lambda context: decoding.sample(self.decoder, context, length, generator,
                                                                 temperature)).float()
        if strategy == "beam":
            if int(beam_width) < 1:
                raise VaekitError(f"beam_width must be at least 1, got {beam_width}")
            return self._decoded(lambda context: decoding.beam_search(self.decoder, context, length,
                                                                      int(beam_width))).float()
        raise VaekitError(f"unknown decoding strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}")


@LIKELIHOODS.register("autoregressive")
class TokenAutoregressiveLikelihood(RecurrentDecoder):
    """The recurrent decoder over a vocabulary of V tokens; needs a sequence network (rnn, conv1d) for the encoder
    and the context, and text data (token ids (T,), V from the vocabulary)."""

    reads = frozenset({"cell", "rnn_hidden", "embedding_dim", "latent_inputs", "word_dropout"})  # what it reads

    data_support = TOKEN_IDS  # the vocabulary's size bounds them per run
    density = False  # exact probabilities of token sequences: no dequantization
    needs_vocabulary = True

    def __init__(self, length: int, vocabulary_size: int, cfg: ModelConfig) -> None:
        super().__init__(cfg.embedding_dim, cfg)
        if vocabulary_size < 4 or length < 1:
            raise ConfigError(f"the autoregressive likelihood needs a vocabulary of the 4 special tokens and more, "
                              f"and sentences of at least one token; got V={vocabulary_size}, T={length}")
        self.length = length
        self.vocabulary_size = vocabulary_size
        # this model's ids stop at V - 1: an id beyond would index past the embedding (the checks read the instance)
        self.data_support = _TokenIds(vocabulary_size)
        self.params_per_element = vocabulary_size  # what a sequence network reads as the vocabulary's size
        self.word_dropout = cfg.word_dropout
        self.embedding = nn.Embedding(vocabulary_size, cfg.embedding_dim, padding_idx=PAD)
        self.output = nn.Linear(cfg.rnn_hidden, vocabulary_size)
        # 0 where a token may come at position t, -inf where it cannot: PAD and BOS never, only EOS at the end
        allowed = torch.zeros(length, vocabulary_size)
        allowed[:, [PAD, BOS]] = float("-inf")
        allowed[-1] = float("-inf")
        allowed[-1, EOS] = 0.0
        self.register_buffer("allowed", allowed, persistent=False)

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig,
                    vocabulary_size: int | None = None) -> TokenAutoregressiveLikelihood:
        if len(data_shape) != 1 or not vocabulary_size:
            raise ConfigError(f"the autoregressive likelihood models token ids (T,) of text data; got examples of "
                              f"shape {tuple(data_shape)}")
        return cls(data_shape[0], vocabulary_size, cfg)

    @classmethod
    def scores(cls, binary: bool) -> str | None:
        return "exact log-probabilities of token sequences (nats per sentence, EOS counted)"

    @property
    def outputs_per_row(self) -> int:
        return self.length * self.vocabulary_size

    def forward(self, context: torch.Tensor) -> TokenSequence:
        return TokenSequence(self, context, (self.length,))

    def score(self, context: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """log p(x|z) of rows x (N, T) under contexts (N, S + L), teacher-forced: (N,)."""
        targets = x.long()
        previous = torch.cat([torch.full_like(targets[:, :1], BOS), targets[:, :-1]], dim=1)
        if self.training and self.word_dropout > 0:
            dropped = torch.rand(previous.shape, device=previous.device) < self.word_dropout
            dropped[:, 0] = False  # BOS stays: it tells the decoder where the sentence starts
            previous = torch.where(dropped & (previous != PAD), torch.full_like(previous, UNK), previous)
        outputs, _ = self.run(self.embedding(previous), context, self.start(context))
        # the output layer, the costliest part (V logits a step), runs on the real tokens only: padding scores 0,
        # so a sentence's score does not depend on how much of it follows
        rows, steps = (targets != PAD).nonzero(as_tuple=True)
        logits = self.output(outputs[rows, steps]).float() + self.allowed[steps]
        log_p = -F.cross_entropy(logits, targets[rows, steps], reduction="none")
        return torch.zeros(len(targets), dtype=log_p.dtype, device=log_p.device).index_add(0, rows, log_p)

    def step(self, previous: torch.Tensor, state: State, t: int, context: torch.Tensor
             ) -> tuple[torch.Tensor, State]:
        """The step interface of autoregressive_decoding: log p(x_t | x_<t, z) (N, V) and the next state."""
        outputs, state = self.run(self.embedding(previous.unsqueeze(1)), context, state)
        logits = self.output(outputs[:, 0]).float() + self.allowed[t]
        return torch.log_softmax(logits, dim=-1), state
