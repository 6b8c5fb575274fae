"""Score maps: where in each example the score comes from, one value per entry (pixel, column, time step).

    maps = score_map(model, x, "iw", k=100)      # images (N, H, W), tables (N, D), series (N, T); float64, CPU
    maps.sum((1, 2))                             # ~ each image's distortion under the same draws (no KL)

A kind maps when it declares `maps` (elbo, iw, reconstruction: their entries, scoring/entries.py); the data kind
says what an entry is (`DataKind.entry_map`: a pixel's channels summed, a series' step). Rate, complexity and
likelihood_ratio are numbers of the whole example (a code's KL, a PNG's length): asking them for a map is refused
in one line, as is a likelihood that does not split over entries (a text decoder's whole sentences).
"""

from __future__ import annotations

from typing import Any

import torch

from vaekit.config.fields import check_importance_samples, check_seed
from vaekit.core.errors import VaekitError
from vaekit.core.registry import SCORES
from vaekit.data.kinds import data_kind
from vaekit.model.input_checks import as_checked_data
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import ScoreKind, check_kind, default_kinds


def map_kinds(model: torch.nn.Module) -> list[str]:
    """The kinds that apply to this model's data and split over its entries, in the registry's order."""
    return [name for name in default_kinds(model, None) if SCORES.get(name).maps]


def check_map_kind(name: str, model: torch.nn.Module) -> ScoreKind:
    """The kind `name`, after checking that it applies to the model's data and has a per-entry form for this
    model: a VaekitError saying why not, before any work."""
    kind = check_kind(name, model, None)
    if not kind.maps:
        raise VaekitError(f"the {name} score is a number of the whole example, with no share per entry (pixel, "
                          f"column, time step): a map takes {', '.join(map_kinds(model)) or 'none of the kinds'}")
    if not type(model.likelihood).scores_entries:
        raise VaekitError(f"this run's {type(model.likelihood).__name__} scores whole examples, not their entries "
                          "one by one: it has no score map")
    return kind


@torch.no_grad()
def score_map(model: torch.nn.Module, x: Any, kind: str = "iw", k: int = 100, samples: int = 1, seed: int = 0,
              batch_size: int = 100, y: torch.Tensor | None = None) -> torch.Tensor:
    """(N, *entries) float64 on the CPU: each entry's share of score `kind` (higher = more anomalous there); NaN
    where nothing was scored (a missing entry, a series' padding). k, samples, seed and y as score_many; the draws
    are the score's own, so a map and its score read the same codes.

    >>> maps = score_map(model, test_x[:8], "iw", k=100)     # images: (8, H, W)
    >>> maps[0].argmax()                                     # the pixel the model finds least likely
    """
    part = check_map_kind(kind, model)
    k, samples = check_importance_samples("k", k), check_importance_samples("samples", samples)
    check_seed("seed", seed)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise VaekitError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
    x = as_checked_data(x, model, move=False)
    if model.num_classes is not None and (y is None or len(y) != len(x)):
        raise VaekitError("this model is a conditional VAE: give the examples' labels y, one per example")
    entries = data_kind(model.data_kind)
    was_training = model.training
    model.eval()
    found = []
    try:
        for start in range(0, len(x), batch_size):
            batch = x[start:start + batch_size].to(model.device)
            labels = None if model.num_classes is None else y[start:start + batch_size].to(model.device)
            terms = part.entries(Chunk(model, batch, labels, start, k, samples, seed))
            found.append(entries.entry_map(terms, batch.cpu()))
    finally:
        model.train(was_training)
    maps = torch.cat(found)
    if bool(torch.isinf(maps).any()):
        raise VaekitError(f"the model gives infinite {kind} map values for "
                          f"{int(torch.isinf(maps).flatten(1).any(1).sum())} of {len(maps)} examples: its weights "
                          "or the data are far outside what it was trained on")
    return maps
