"""What a network declares about itself, so that the model builder and the config check ask it instead of naming it.
A network is registered as its builder, `builder(data_shape, latent_dim, params_per_element, cfg, encoder_input)
-> (encoder, feature width, decoder)`, marked with its declarations:

    @NETWORKS.register("mlp")
    @declares(reads={"hidden", "activation"}, reads_codes=True)
    def build_mlp(data_shape, latent_dim, params_per_element, cfg, encoder_input=None): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from vaekit.core.tunable import Tunable

Builder = TypeVar("Builder", bound=Callable)


def declares(reads: set[str] | frozenset[str] = frozenset(), reads_sequences: bool = False,
             reads_codes: bool = False, tunable: dict[str, Tunable] | None = None) -> Callable[[Builder], Builder]:
    """Mark a network builder with its declarations:

    reads: the ModelConfig settings it uses (a setting no chosen part reads is refused, vaekit.parts);
    reads_sequences: it encodes token or series sequences (T,) and decodes with an autoregressive likelihood;
    reads_codes: its encoder takes a mixed table's one-hot codes, whose width differs from the data's;
    tunable: the settings `vaekit tune` may search, and their ranges (core/tunable.py)."""

    def mark(builder: Builder) -> Builder:
        builder.reads = frozenset(reads)  # type: ignore[attr-defined]
        builder.reads_sequences = reads_sequences  # type: ignore[attr-defined]
        builder.reads_codes = reads_codes  # type: ignore[attr-defined]
        builder.tunable = dict(tunable or {})  # type: ignore[attr-defined]
        return builder

    return mark
