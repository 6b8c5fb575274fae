"""A sum of score kinds, each standardized robustly on the rows a detector was fitted on: "iw+reconstruction".

    combined(x) = sum_k (s_k(x) - median_k) / IQR_k

s_k is kind k's score (higher = more anomalous), and median_k and IQR_k (the 75th minus the 25th percentile; an IQR
of 0 counts as 1) are taken over the training rows' s_k, so each standardized part has median 0 there and kinds in
different units (nats, squared error) weigh alike. A spec of one kind ("iw") is that kind's raw score, unchanged.

    kinds = combined_kinds("iw+reconstruction", model)         # ["iw", "reconstruction"], each checked
    training = score_parts(model, train_x, kinds, k=100)         # {kind: (N,) float64 array}
    reference = fit_reference(training)                          # {kind: (median, iqr)}; {} for one kind
    combine(score_parts(model, x, kinds, k=100), reference)      # (M,) combined scores
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.tasks.scoring.compute import score_many
from vaekit.tasks.scoring.kind import check_kind

Reference = dict[str, tuple[float, float]]


def combined_kinds(spec: str, model: torch.nn.Module, background: torch.nn.Module | None = None) -> list[str]:
    """"iw+reconstruction" -> ["iw", "reconstruction"]: kinds in the order given, each once, each one this model
    can give (check_kind), refused before any work."""
    if not isinstance(spec, str):
        raise VaekitError(f"score must be a score kind or kinds joined by +, e.g. iw+reconstruction; got {spec!r}")
    if "," in spec:
        raise VaekitError(f"join the score kinds to combine with +, not commas: got {spec!r}")
    names = [name.strip() for name in spec.split("+")]
    if any(not name for name in names):
        raise VaekitError(f"give score kinds joined by +, e.g. iw+reconstruction, with none empty; got {spec!r}")
    if len(set(names)) != len(names):
        raise VaekitError(f"a score kind is named twice in {spec!r}")
    for name in names:
        check_kind(name, model, background)
    return names


def score_parts(model: torch.nn.Module, x: Any, kinds: list[str], **settings: Any) -> dict[str, np.ndarray]:
    """{kind: (N,) float64 array}, all kinds in one pass over x; settings (k, seed, progress, ...) as score_many,
    so each kind's numbers are those of score(model, x, kind=...)."""
    return {name: values.numpy() for name, values in score_many(model, x, kinds, **settings).items()}


def fit_reference(training: dict[str, np.ndarray]) -> Reference:
    """{kind: (median, IQR)} of each kind's training scores (an IQR of 0 -> 1); {} for a single kind, which is
    used raw."""
    if len(training) == 1:
        return {}
    reference = {}
    for name, values in training.items():
        low, median, high = np.percentile(values, [25, 50, 75])
        spread = float(high - low)
        reference[name] = (float(median), spread if spread > 0 else 1.0)
    return reference


def combine(scores: dict[str, np.ndarray], reference: Reference) -> np.ndarray:
    """(N,) sum over the kinds of (score - median) / IQR; a single kind's raw score as it is."""
    if len(scores) == 1:
        return next(iter(scores.values()))
    if set(scores) != set(reference):
        raise VaekitError(f"the scores are of kinds {sorted(scores)} but the reference is of {sorted(reference)}")
    return sum((values - reference[name][0]) / reference[name][1] for name, values in scores.items())
