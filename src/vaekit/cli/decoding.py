"""The --decode and --beam-width options of sample, reconstruct and interpolate: how sentences are read from a text
model's p(x|z).

    @DECODE
    @BEAM_WIDTH
    def sample(..., decode: str | None, beam_width: int | None): ...
        model.sample(n, decode=decoder(model, decode, beam_width, seed))

greedy takes the most probable token at each step (px.mean, the default), sample draws each token in turn
(ancestral sampling, seeded), beam keeps the --beam-width most probable prefixes (Bowman et al. 2016 decode
their homotopies greedily; beam search gives the most probable sentences). Only a likelihood over tokens (one that
needs a vocabulary: `autoregressive`) decodes; another run's --decode is a one-line error.
"""

from __future__ import annotations

from collections.abc import Callable

import click
import torch
from torch.distributions import Distribution

from vaekit.cli.counts import at_least
from vaekit.core.errors import VaekitError
from vaekit.likelihoods.autoregressive import STRATEGIES
from vaekit.model.vae import VAE

DEFAULT_BEAM_WIDTH = 5

DECODE = click.option("--decode", type=click.Choice(STRATEGIES), default=None,
                      help="text runs: how sentences are read from p(x|z): greedy (the most probable token at each "
                      "step; the default), sample (each token drawn in turn, seeded) or beam (beam search)")
BEAM_WIDTH = click.option("--beam-width", type=int, default=None, callback=at_least(1),
                          help=f"with --decode beam: the prefixes kept at each step [default: {DEFAULT_BEAM_WIDTH}]")


def decoder(model: VAE, strategy: str | None, beam_width: int | None, seed: int = 0
            ) -> Callable[[Distribution], torch.Tensor] | None:
    """What reads examples from p(x|z): None (the likelihood's mean, or a draw where the command asks for one)
    without --decode; px -> px.decode(strategy, beam_width, generator) with it."""
    if beam_width is not None and strategy != "beam":
        raise VaekitError("--beam-width applies to --decode beam; add --decode beam or leave --beam-width out")
    if strategy is None:
        return None
    if not type(model.likelihood).needs_vocabulary:
        raise VaekitError(f"--decode is for text runs (a likelihood over tokens, such as autoregressive); this run's "
                          f"likelihood is {type(model.likelihood).__name__}: leave --decode out")
    generator = torch.Generator(device=model.device).manual_seed(seed)
    width = beam_width or DEFAULT_BEAM_WIDTH
    return lambda px: px.decode(strategy, beam_width=width, generator=generator)
