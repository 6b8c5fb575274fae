"""What a score kind is: a per-example number, higher = more anomalous, and what it needs to be computed.

    @SCORES.register("rate")
    class Rate(ScoreKind):
        def __call__(self, chunk: Chunk) -> torch.Tensor:   # (B,) on the CPU, float64
            return chunk.bound(1).rate

A kind declares what it needs (`images_only`, `needs_background`) and `check` asks the kind, so the command, the
Python API and the detector refuse the same things with the same line, before any work is done.
"""

from __future__ import annotations

import torch

from vaekit.core.errors import VaekitError
from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk

__all__ = ["SCORES", "ScoreKind", "check_kind", "pairing_warning"]


class ScoreKind:
    """A per-example anomaly score (higher = more anomalous), computed on one chunk of examples.

    - `images_only`: the kind reads the examples as pictures (C, H, W); tables are refused.
    - `needs_background`: the kind compares the model with a second one (a background model of the same data
      shape), given as `background`.
    - `reads_likelihood`: the kind is (or contains) the model's log p(x), so it misleads where log_prob is no
      likelihood of the data (`pairing_warning`).
    """

    images_only: bool = False
    needs_background: bool = False
    reads_likelihood: bool = False

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        raise NotImplementedError


def check_kind(name: str, model: torch.nn.Module, background: torch.nn.Module | None) -> ScoreKind:
    """The kind registered as `name`, after checking that this model (and background) can give it."""
    kind = SCORES.get(name)()
    if kind.images_only and len(model.data_shape) != 3:
        raise VaekitError(f"the {name} score is for images (it compresses each one as a PNG); this model's data "
                          f"are vectors of shape {list(model.data_shape)}: choose another --kind")
    if kind.images_only and model.data_shape[0] not in (1, 3):
        raise VaekitError(f"the {name} score compresses grey or RGB images (1 or 3 channels); this model's have "
                          f"{model.data_shape[0]}")
    if kind.needs_background and background is None:
        raise VaekitError(f"the {name} score compares the model with a background model: give one "
                          "(--background RUN, or background=)")
    if background is not None and background.num_classes is not None:
        raise VaekitError("the background model is a conditional VAE; train an unconditional one as background")
    if background is not None and tuple(background.data_shape) != tuple(model.data_shape):
        raise VaekitError(f"the background model takes examples of shape {list(background.data_shape)} but the "
                          f"model takes {list(model.data_shape)}; train the background on the same kind of data")
    return kind


def pairing_warning(names: list[str], model: torch.nn.Module, x: torch.Tensor) -> str | None:
    """A warning for a known poor pairing of score and model on data x, else None: a score that reads log p(x)
    from a likelihood whose log_prob of grey levels is a cross-entropy (Bernoulli), on data that are not binary.
    The cross-entropy of a grey level is large however well the model fits it, so such a score ranks data by how
    grey they are; between data sets (out-of-distribution detection) that can rank them backwards."""
    likelihood = model.likelihood
    reading = [name for name in names if SCORES.get(name).reads_likelihood]
    if not reading or not type(likelihood).cross_entropy_of_levels:
        return None
    finite = x[~torch.isnan(x)]
    if bool(((finite == 0) | (finite == 1)).all()):  # binary data: log_prob is then a true probability
        return None
    return (f"the {', '.join(reading)} {'scores read' if len(reading) > 1 else 'score reads'} log p(x), but this run's "
            "Bernoulli likelihood scores grey levels by a cross-entropy, which grows with how grey an example is "
            "whatever the model learned: between data sets it can rank them backwards; train with --likelihood "
            "continuous_bernoulli (a density of grey levels) or --binarize dynamic, or score with --kind "
            "reconstruction")
