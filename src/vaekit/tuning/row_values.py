"""Whether a trial beat the settings as given by more than chance: each trial's criterion per validation row, kept
in its run directory, and a paired comparison of two trials on the same rows.

    save_row_values(run_dir, values)               # (rows,) the criterion's part of each validation row
    clear_gain(best_dir, defaults_dir)             # -> Gain(gain=0.8, noise=0.3), or None where a trial kept none
    gain.clear                                     # gain > NOISE_ERRORS paired standard errors

With a few dozen validation rows the lowest of twenty trials is often lower by luck: its settings, kept, do worse on
new rows than the untuned ones (bench/untuned_data.py). A search keeps the settings as given unless the best trial
beat them clearly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

ROW_VALUES_FILE = "validation_rows.safetensors"
NOISE_ERRORS = 2.0  # a gain counts when it is more than this many standard errors of the paired differences


@dataclass(frozen=True)
class Gain:
    gain: float  # how much lower the best trial's mean is than trial 0's, on the same rows
    noise: float  # NOISE_ERRORS standard errors of that difference

    @property
    def clear(self) -> bool:
        return self.gain > self.noise


def save_row_values(run_dir: Path, values: torch.Tensor) -> None:
    save_file({"values": values.detach().double().cpu().contiguous()}, str(Path(run_dir) / ROW_VALUES_FILE))


def load_row_values(run_dir: Path) -> torch.Tensor | None:
    try:
        return load_file(str(Path(run_dir) / ROW_VALUES_FILE))["values"]
    except (OSError, KeyError, SafetensorError):  # none kept (an older search, another machine's trial)
        return None


def clear_gain(best_dir: Path, defaults_dir: Path) -> Gain | None:
    """The paired gain of `best_dir`'s trial over `defaults_dir`'s on their validation rows, with its noise; None
    where either kept no per-row values or they are not the same rows."""
    best, given = load_row_values(best_dir), load_row_values(defaults_dir)
    if best is None or given is None or best.shape != given.shape or len(best) < 2:
        return None
    difference = given - best
    noise = NOISE_ERRORS * float(difference.std()) / math.sqrt(len(difference))
    return Gain(float(difference.mean()), noise)
