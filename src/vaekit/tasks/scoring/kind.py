"""What a score kind is: a per-example number, higher = more anomalous, and what it needs to be computed.

    @SCORES.register("rate")
    class Rate(ScoreKind):
        def __call__(self, chunk: Chunk) -> torch.Tensor:   # (B,) on the CPU, float64
            return chunk.bound(1).rate

A kind declares what it needs (`images_only`, `compares_values`, `needs_background`) and `check_kind` asks the kind
and the run's data kind, so the command, the Python API and the detector refuse the same things with the same line,
before any work is done; `default_kinds` is every kind that applies to a model's data.

    default_kinds(text_model, None)    # ['elbo', 'iw', 'rate']: no squared difference of token ids
"""

from __future__ import annotations

import torch

from vaekit.core.errors import VaekitError
from vaekit.core.registry import SCORES
from vaekit.data.kinds import data_kind
from vaekit.tasks.scoring.chunk import Chunk

__all__ = ["SCORES", "ScoreKind", "check_kind", "default_kinds", "not_applying", "pairing_warning"]


class ScoreKind:
    """A per-example anomaly score (higher = more anomalous), computed on one chunk of examples.

    - `images_only`: the kind reads the examples as pictures (C, H, W) of values in [0, 1] (it compresses them as
      PNG); it applies where the data kind says its examples are such pictures (`DataKind.unit_pictures`).
    - `compares_values`: the kind is a difference of data values (a squared error); it applies where the data kind
      says its values are measurements on a scale (`DataKind.values_are_measures`; token ids are not).
    - `needs_background`: the kind compares the model with a second one (a background model of the same data
      shape), given as `background`.
    - `reads_likelihood`: the kind is (or contains) the model's log p(x), so it misleads where log_prob is no
      likelihood of the data (`pairing_warning`).
    """

    images_only: bool = False
    compares_values: bool = False
    needs_background: bool = False
    reads_likelihood: bool = False
    # the score splits over the data's entries (pixels, columns, time steps): `entries` gives each one's share, for
    # `vaekit score --map` (tasks/scoring/maps.py)
    maps: bool = False
    # its numbers come from noise seeded by (seed, j), j the example's place in the call: examples scored in another
    # company get other draws (a service may join requests only for kinds that draw none)
    seeded: bool = True

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        raise NotImplementedError

    def entries(self, chunk: Chunk) -> torch.Tensor:
        """(B, *entries) each entry's share of the score, on the CPU in float64; for kinds that `maps`."""
        raise NotImplementedError


def not_applying(kind: ScoreKind, model: torch.nn.Module) -> str | None:
    """Why score `kind` means nothing for the data `model` was trained on (asked of its data kind), or None."""
    data = data_kind(model.data_kind)
    if kind.compares_values and not data.values_are_measures:
        return (f"a squared difference of values, which means nothing for {model.data_kind} data (their values are "
                "not measurements on a scale)")
    if kind.images_only and len(model.data_shape) == 3 and not data.unit_pictures:
        return (f"for pictures of values in [0, 1] (it compresses each as a PNG), which {model.data_kind} data are "
                "not")
    return None


def _refusal(name: str, kind: ScoreKind, model: torch.nn.Module, background: torch.nn.Module | None) -> str | None:
    """Why this model (and background) cannot give score `kind` for reasons other than its data, or None."""
    if kind.images_only and len(model.data_shape) != 3:
        return (f"the {name} score is for images (it compresses each one as a PNG); this model's data are vectors "
                f"of shape {list(model.data_shape)}: choose another --kind")
    if kind.images_only and model.data_shape[0] > 4:
        return (f"the {name} score compresses each image as a PNG, which holds 1 to 4 channels (grey, grey and "
                f"alpha, RGB, RGBA); this model's images have {model.data_shape[0]}: choose another --kind")
    if kind.needs_background and background is None:
        return (f"the {name} score compares the model with a background model: give one (--background RUN, or "
                "background=)")
    if background is not None and background.num_classes is not None:
        return "the background model is a conditional VAE; train an unconditional one as background"
    if background is not None and tuple(background.data_shape) != tuple(model.data_shape):
        return (f"the background model takes examples of shape {list(background.data_shape)} but the model takes "
                f"{list(model.data_shape)}; train the background on the same kind of data")
    return None


def default_kinds(model: torch.nn.Module, background: torch.nn.Module | None) -> list[str]:
    """Every kind that applies to this model's data and that it (and background) can give, in the registry's
    order: what `vaekit score` computes when no kind is asked for."""
    return [name for name in SCORES.names() if not_applying(kind := SCORES.get(name)(), model) is None
            and _refusal(name, kind, model, background) is None]


def check_kind(name: str, model: torch.nn.Module, background: torch.nn.Module | None) -> ScoreKind:
    """The kind registered as `name`, after checking that it means something for this model's data and that this
    model (and background) can give it: a VaekitError saying why not, before any work."""
    kind = SCORES.get(name)()
    reason = not_applying(kind, model)
    if reason is not None:
        raise VaekitError(f"the {name} score is {reason}: choose another --kind "
                          f"({', '.join(default_kinds(model, background))})")
    refused = _refusal(name, kind, model, background)
    if refused is not None:
        raise VaekitError(refused)
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
