"""What an evaluation measured, so that its numbers are never shown for data or weights they were not measured on.

    record = provenance("runs/demo", "digits", x, y)
    # {"data": "digits", "data_sha256": "...", "weights_sha256": "..."}: stored in the evaluation's JSON
    stale_reason("runs/demo", evaluation)   # None while model.safetensors is the file it measured, else why not
    different_data([("runs/a", a), ("runs/b", b)])   # None when both measured the same examples, else which what
    evaluation_path("runs/demo", "held.npz", "all")   # runs/demo/evaluations/held.json
    check_numbers("runs/demo/evaluation.json", evaluation, "runs/demo")   # a NaN or infinity written in: refused

A run's own evaluation (RUN/evaluation.json, its test split) is what `compare` and `report` show; evaluations of
other data or other splits go beside it, in RUN/evaluations/, so they never pass for it. Training on (a resume,
a new model.safetensors) changes the weights' hash, which makes the old evaluation stale by itself.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import torch

from vaekit.core.errors import VaekitError
from vaekit.data.common.fingerprint import tensors_sha256

EVALUATION_FILE = "evaluation.json"
OTHER_EVALUATIONS = "evaluations"
MODEL_FILE = "model.safetensors"  # run_dir.MODEL_FILE, not imported: run_dir imports the model and torch's world


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for piece in iter(lambda: handle.read(1 << 20), b""):
                digest.update(piece)
    except OSError as error:
        raise VaekitError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.hexdigest()


def data_sha256(x: torch.Tensor, y: torch.Tensor | None = None) -> str:
    """A fingerprint of the examples as the model saw them (float32 values, their shape and order) and their
    labels: the same for the same data however it was stored, different when one value or the order differs."""
    return tensors_sha256(x, None if y is None else y.to(torch.int64))


def provenance(run_dir: str | Path, source: str, x: torch.Tensor, y: torch.Tensor | None) -> dict[str, Any]:
    """The fields an evaluation records about what it measured (split and examples are recorded beside them)."""
    return {"data": source, "data_sha256": data_sha256(x, y),
            "weights_sha256": file_sha256(Path(run_dir) / MODEL_FILE)}


def stale_reason(run_dir: str | Path, evaluation: dict[str, Any], current: str | None = None) -> str | None:
    """None when the evaluation measured the run's current model.safetensors; else a phrase saying why it is
    stale, to follow "<file> is stale: ". `current`: that file's SHA-256 when the caller has it already (a page
    that checks many records hashes the weights once)."""
    recorded = evaluation.get("weights_sha256")
    if not isinstance(recorded, str):
        return "it does not record which weights it measured (made by an older vaekit)"
    weights = Path(run_dir) / MODEL_FILE
    if current is None and not weights.is_file():
        return f"the run has no {MODEL_FILE} any more"
    if (current or file_sha256(weights)) != recorded:
        return f"it measured other weights than the run's {MODEL_FILE} (trained further or replaced since)"
    return None


def check_numbers(path: str | Path, evaluation: Any, run_dir: str | Path) -> None:
    """A VaekitError naming the file and the first field holding NaN or infinity: vaekit writes an undefined number
    as null (core/io.py's finite_or_null), so such a number was written by someone else, and shown it would read
    as "n/a" beside real numbers as though it had been measured so."""
    found = _not_finite(evaluation, "")
    if found is not None:
        field, value = found
        text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")  # as JSON spells them
        raise VaekitError(f"{path} holds {text} in its field {field}, a number vaekit never writes (an undefined "
                          f"one is null): it was changed or damaged; run `vaekit evaluate {run_dir}` again")


def _not_finite(value: Any, where: str) -> tuple[str, float] | None:
    """(dotted field, value) of the first NaN or infinite number in a JSON value, depth first; None if none."""
    if isinstance(value, float) and not math.isfinite(value):
        return where or "the whole file", value
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _not_finite(item, f"{where}.{key}" if where else str(key))
        if found is not None:
            return found
    return None


def different_data(evaluations: list[tuple[str, dict[str, Any]]]) -> str | None:
    """None when every (name, evaluation) measured the same examples (the same data and fingerprint); else a
    sentence naming which measured which data, to print before their numbers are set side by side, since numbers
    of different data (nats of digits beside nats of Fashion-MNIST) do not compare. Examples count as different
    when their fingerprints differ, even under one name (another split seed, a changed file)."""
    measured = {name: (evaluation.get("data"), evaluation.get("data_sha256")) for name, evaluation in evaluations}
    if len(set(measured.values())) <= 1:
        return None
    # a name measured with several fingerprints is told apart by them: their first 12 hex digits are enough
    shared = [source for source, _ in set(measured.values())]
    said = {name: str(source) if shared.count(source) == 1 else f"{source} (data SHA-256 {str(sha)[:12]}...)"
            for name, (source, sha) in measured.items()}
    which = "; ".join(f"{name} measured {what}" for name, what in said.items())
    return f"these evaluations measured different data, so their numbers do not compare: {which}"


def evaluation_path(run_dir: str | Path, source: str | None, split: str, out: str | Path | None = None) -> Path:
    """Where an evaluation goes: `out` when given; RUN/evaluation.json for the run's own test split; else
    RUN/evaluations/<data>[-<split>].json (<data>: the --data file's or folder's name without its suffix, or
    the split's name for the run's own data). Only the run's own test split may be written as evaluation.json."""
    run_dir = Path(run_dir)
    own = run_dir / EVALUATION_FILE
    if out is not None:
        path = Path(out)
        if path.suffix.lower() != ".json":
            raise VaekitError(f"--out {out}: an evaluation is written as JSON; choose a name ending in .json")
        if path.is_dir():
            raise VaekitError(f"--out {out} is a folder; give a file name ending in .json")
        if (source is not None or split != "test") and path.resolve() == own.resolve():
            raise VaekitError(f"{own} holds the run's own test-split evaluation, which compare and report show; "
                              f"write this one elsewhere (leave out --out for {run_dir / OTHER_EVALUATIONS}/)")
        return path
    if source is None:
        return own if split == "test" else run_dir / OTHER_EVALUATIONS / f"{split}.json"
    stem = Path(source.rstrip("/\\")).name or "data"
    for suffix in (".gz", ".npz", ".npy", ".csv", ".parquet"):
        stem = stem[: -len(suffix)] if stem.lower().endswith(suffix) and len(stem) > len(suffix) else stem
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return run_dir / OTHER_EVALUATIONS / (f"{stem}.json" if split == "all" else f"{stem}-{split}.json")
