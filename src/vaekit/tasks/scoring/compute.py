"""Scores of many examples, in chunks, seeded, on the model's device.

    scores = score_many(model, x, ["iw", "complexity"], k=100, seed=0)   # {"iw": (N,), "complexity": (N,)}
    score(model, x, kind="elbo")                                           # one kind: a (N,) tensor

Every kind is "higher = more anomalous". The draws of example j are seeded by (seed, j), so the same seed gives the
same numbers and the chunk size (`batch_size`) does not change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from vaekit.config.fields import check_importance_samples, check_seed
from vaekit.core.errors import VaekitError
from vaekit.core.progress import bars_drawn, say_stage
from vaekit.model.input_checks import as_checked_data
from vaekit.tasks.outputs import check_finite_outputs
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import check_kind


def parse_kinds(kinds: str | Sequence[str]) -> list[str]:
    """"elbo,iw" or ["elbo", "iw"] -> ["elbo", "iw"]: names in the order given, each once, none empty."""
    names = [name.strip() for name in kinds.split(",")] if isinstance(kinds, str) else [str(n) for n in kinds]
    if not names or any(not name for name in names):
        raise VaekitError(f"give score kinds as names separated by commas, e.g. elbo,iw; got {kinds!r}")
    if len(set(names)) != len(names):
        raise VaekitError(f"a score kind is named twice in {','.join(names)}")
    return names


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise VaekitError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


@torch.no_grad()
def score_many(model: torch.nn.Module, x: Any, kinds: str | Sequence[str] = ("iw",), k: int = 100,
               samples: int = 1, seed: int = 0, batch_size: int = 100, background: torch.nn.Module | None = None,
               y: torch.Tensor | None = None, progress: bool = False) -> dict[str, torch.Tensor]:
    """{kind: (N,) float64 tensor on the CPU} for examples x (N, *data_shape), each kind higher = more anomalous.

    k: importance samples of the iw, complexity and likelihood_ratio scores; samples: posterior draws of the elbo
    score; background: the second model of likelihood_ratio; y: labels, for a conditional VAE.

    >>> scores = score_many(model, test_x, "iw,rate", k=100)
    >>> scores["iw"].argsort(descending=True)[:10]   # the ten least likely examples
    """
    names = parse_kinds(kinds)
    parts = {name: check_kind(name, model, background) for name in names}  # every refusal before any work
    k, samples, batch_size = check_importance_samples("k", k), check_importance_samples("samples", samples), \
        _check_count("batch_size", batch_size)
    check_seed("seed", seed)
    x = as_checked_data(x, model, move=False)  # chunks go to the model's device one at a time
    if background is not None:
        as_checked_data(x[:1], background)  # its likelihood may take other values than the model's
    if model.num_classes is not None and (y is None or len(y) != len(x)):
        raise VaekitError("this model is a conditional VAE: give the examples' labels y, one per example")
    from tqdm.auto import tqdm

    models = [m for m in (model, background) if m is not None]
    was_training = [m.training for m in models]
    for m in models:
        m.eval()
    found: dict[str, list[torch.Tensor]] = {name: [] for name in names}
    say_stage(f"scoring {len(x)} examples: {', '.join(names)} ({k} importance samples where a kind uses them)",
              progress)
    try:
        for start in tqdm(range(0, len(x), batch_size), desc=f"scoring ({','.join(names)})", leave=False,
                          disable=not (progress and bars_drawn())):
            batch = x[start:start + batch_size].to(model.device)
            labels = None if model.num_classes is None else y[start:start + batch_size].to(model.device)
            chunk = Chunk(model, batch, labels, start, k, samples, seed, background)
            for name, part in parts.items():
                found[name].append(part(chunk).cpu().double())
    finally:
        for m, mode in zip(models, was_training):
            m.train(mode)
    scores = {name: torch.cat(values) for name, values in found.items()}
    for name, values in scores.items():
        check_finite_outputs(values, f"{name} scores")
    return scores


def score(model: torch.nn.Module, x: Any, kind: str = "iw", **settings: Any) -> torch.Tensor:
    """(N,) scores of one kind (higher = more anomalous); settings as score_many."""
    if not isinstance(kind, str) or "," in kind:
        raise VaekitError(f"score takes one kind (use score_many for several), got {kind!r}")
    return score_many(model, x, [kind], **settings)[kind]
