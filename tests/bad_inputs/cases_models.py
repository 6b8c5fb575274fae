"""Models and runs that went wrong after training: weights that overflow without being NaN, a run whose data
changed under it, a run that diverged at once, and configs with a key given twice (found by a new-user audit)."""

from __future__ import annotations

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from bad_inputs.case import Case, Workspace

TINY = ["--hidden", "8", "--epochs", "1", "--quiet"]


def _overflowing(part: str, value: float = 3e38):  # type: ignore[no-untyped-def]
    """Setup: the run's `part` (encoder or decoder) weights set to `value`: finite, but the outputs overflow."""
    def setup(w: Workspace) -> None:
        path = w.run / "model.safetensors"
        weights = load_file(str(path))
        save_file({k: torch.full_like(v, value) if k.startswith(part) and k.endswith("weight") else v
                   for k, v in weights.items()}, str(path))
    return setup


def _run_on_file_then_change_it(w: Workspace) -> None:
    from click.testing import CliRunner

    from vaekit.cli import main

    np.save(w.path("x.npy"), np.random.default_rng(0).random((60, 4), dtype=np.float32))
    result = CliRunner().invoke(main, ["train", "--data", str(w.path("x.npy")), *TINY, "--out", str(w.path("r"))])
    assert result.exit_code == 0, result.output
    changed = np.load(w.path("x.npy"))
    changed[0, 0] = 0.99
    np.save(w.path("x.npy"), changed)


OVERFLOW = r"NaN or infinite .* its weights overflow .*train it again"

CASES = [
    Case("evaluate-decoder-overflows", OVERFLOW, ["evaluate", "{run}", "--k", "3"],
         setup=_overflowing("decoder", 1e30)),
    Case("evaluate-encoder-overflows", OVERFLOW, ["evaluate", "{run}", "--k", "3"], setup=_overflowing("encoder")),
    Case("embed-encoder-overflows", OVERFLOW, ["embed", "{run}", "--out", "{root}/codes.csv"],
         setup=_overflowing("encoder")),
    Case("evaluate-data-changed-since-training", r"changed since .* restore it, or score the changed file .*--data",
         ["evaluate", "{root}/r", "--k", "3"], setup=_run_on_file_then_change_it),
    Case("diverged-in-first-epoch", r"in the first epoch, so nothing was kept; train again with a lower --lr",
         ["train", "--data", "digits", *TINY, "--lr", "1e30", "--out", "{root}/new"]),
    Case("json-config-duplicate-key", r"gives the key 'source' twice in one object; keep one",
         ["train", "--config", "{root}/c.json", "--out", "{root}/new"],
         setup=lambda w: w.write("c.json", '{"data": {"source": "x", "source": "digits"}}')),
]
