"""The model work behind each endpoint: checked numpy in, a dict of arrays (leading axis: the examples) out, the
same numbers as vaekit's own functions called in-process."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from vaekit.config.fields import check_importance_samples, check_seed
from vaekit.core.errors import VaekitError
from vaekit.core.registry import SCORES
from vaekit.model.input_checks import as_checked_data, as_latent, check_count
from vaekit.tasks.scoring import default_kinds, parse_kinds, score_many
from vaekit.tasks.scoring.kind import check_kind
from vaekit.tasks.scoring.maps import check_map_kind, score_map

MAX_SAMPLES = 10_000  # examples one /sample request may ask for
MAX_K = 10_000  # importance samples (or chains, sweeps) one request may ask for: its work is k per example


def checked_x(model: Any, x: np.ndarray, missing: bool | None = None) -> np.ndarray:
    """x checked against the model's shape, dtype and support (VaekitError in one line), as numpy float32."""
    return as_checked_data(x, model, move=False, missing=missing).numpy()


def labels(model: Any, y: Any, count: int) -> torch.Tensor | None:
    """A conditional model's labels (count integers in 0..classes-1); None for a model without classes."""
    if model.num_classes is None:
        return None
    if y is None:
        raise VaekitError(f"this run is a conditional VAE: send \"y\", {count} class numbers "
                          f"0..{model.num_classes - 1}")
    found = np.asarray(y)
    if found.shape != (count,) or found.dtype.kind not in "iu" or found.min() < 0 or found.max() >= model.num_classes:
        raise VaekitError(f"y must be {count} whole numbers in 0..{model.num_classes - 1}, one per example")
    return torch.as_tensor(found, dtype=torch.long)


@torch.no_grad()
def encode(model: Any, x: np.ndarray, y: torch.Tensor | None = None) -> dict[str, np.ndarray]:
    """q(z|x): its mean and standard deviation per example (N, latent_dim)."""
    posterior = model.encode(torch.as_tensor(x), y)
    found = {"mean": posterior.mean.cpu().numpy()}
    try:
        found["scale"] = posterior.stddev.cpu().numpy()
    except NotImplementedError:  # a posterior without a closed-form spread (a vector-quantized code)
        pass
    return found


@torch.no_grad()
def decode(model: Any, z: np.ndarray, y: torch.Tensor | None = None) -> dict[str, np.ndarray]:
    """The likelihood mean of p(x|z) for latent codes z (N, latent_dim)."""
    return {"x": model.decode(as_latent(z, model), y).mean.cpu().numpy()}


@torch.no_grad()
def sample(model: Any, n: Any, seed: int, y: torch.Tensor | None = None) -> dict[str, np.ndarray]:
    """n new examples (the likelihood mean at z ~ p(z)), drawn with `seed`."""
    count = check_count(n, "n")
    if count > MAX_SAMPLES:
        raise VaekitError(f"n must be at most {MAX_SAMPLES} per request, got {count}: ask in several requests")
    generator = torch.Generator(device=model.device).manual_seed(seed)
    return {"x": model.sample(count, generator=generator, labels=y).cpu().numpy()}


@torch.no_grad()
def reconstruct(model: Any, x: np.ndarray, y: torch.Tensor | None = None) -> dict[str, np.ndarray]:
    """The likelihood mean decoded at the posterior mean."""
    return {"x": model.reconstruct(torch.as_tensor(x), y=y).cpu().numpy()}


def score_kinds(model: Any, kind: Any, want_map: bool) -> tuple[list[str], list[str]]:
    """The kinds asked for (default: every kind this run gives) and those mapped per entry, checked before any
    work. A map is given for each asked kind that has one; none having one is refused in one line."""
    names = default_kinds(model, None) if kind in (None, "") else parse_kinds(str(kind))
    for name in names:
        check_kind(name, model, None)
    mapped = [name for name in names if SCORES.get(name).maps] if want_map else []
    if want_map and not mapped:
        check_map_kind(names[0], model)  # its refusal says which kinds map
    for name in mapped:
        check_map_kind(name, model)
    return names, mapped


def check_settings(k: int, seed: int) -> None:
    """k and seed of a score, checked before any work."""
    check_importance_samples("k", k)
    check_seed("seed", seed)
    if k > MAX_K:
        raise VaekitError(f"k must be at most {MAX_K} per request on this service, got {k}")


def deterministic(names: list[str]) -> bool:
    """Kinds that draw no noise (the reconstruction at the posterior mean): their numbers do not depend on which
    examples share a call, so requests can be joined. The seeded kinds seed example j's noise by (seed, j), j its
    place in the call: joining requests would move j."""
    return not any(SCORES.get(name).seeded for name in names)


def score(model: Any, x: np.ndarray, names: list[str], mapped: list[str], k: int, seed: int,
          y: torch.Tensor | None = None) -> dict[str, Any]:
    """{"scores": {kind: (N,)}, "maps": {kind: (N, *entries)}} as score_many and score_map give them."""
    found = score_many(model, x, names, k=k, seed=seed, y=y)
    maps = {name: score_map(model, x, name, k=k, seed=seed, y=y) for name in mapped}
    return {"scores": {name: value.numpy() for name, value in found.items()},
            "maps": {name: value.numpy() for name, value in maps.items()}}


def impute(model: Any, x: np.ndarray, method: str, k: int | None, iterations: int, seed: int,
           y: torch.Tensor | None = None, ranges: list[list[float]] | None = None) -> dict[str, np.ndarray]:
    """x with its NaN entries filled in (one imputation), as `vaekit impute` fills them: within `ranges`, each
    column's training range where the run recorded it."""
    from vaekit.tasks.imputation import impute as impute_values
    from vaekit.tasks.imputation.ranges import keep_in_ranges

    if method not in ("importance", "gibbs", "metropolis"):
        raise VaekitError(f"method must be importance, gibbs or metropolis, got {method!r}")
    for name, value in (("k", k), ("iterations", iterations)):
        if value is not None and value > MAX_K:
            raise VaekitError(f"{name} must be at most {MAX_K} per request on this service, got {value}")
    given = torch.as_tensor(x)
    filled = impute_values(model, given, method=method, k=k, iterations=iterations, seed=seed, y=y)
    return {"x": np.asarray(keep_in_ranges(filled, given, ranges))}
