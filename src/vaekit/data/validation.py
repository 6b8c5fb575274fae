"""A validation split carved out of a Dataset's training split, so that settings are chosen without the test split:

    fit, held = validation_split(ds, fraction=0.2, seed=0)   # held: a Dataset whose "test" is the validation rows
    train(config, data=held)                                  # trains on the rest, validates (and stops) on them

The test split of `ds` appears in neither, so a figure measured on it later was not looked at while choosing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from vaekit.core.errors import DataError
from vaekit.data.common.convert import UNLABELLED
from vaekit.data.common.fingerprint import data_fingerprint
from vaekit.data.dataset import Dataset

VALIDATION_STREAM = 20  # names the validation split's random stream (numpy SeedSequence entropy beside the seed)


def validation_split(data: Dataset, fraction: float, seed: int, scores_labels: bool = False) -> Dataset:
    """A Dataset with train = the training split less `fraction` of it (seeded) and test = that fraction.
    Where labels are scarce (rows labelled -1), the validation rows are unlabelled ones, so that every label
    trains; `scores_labels=True` (a criterion that scores the validation rows' labels) draws them from all rows,
    so that about `fraction` of the labelled ones land there."""
    if not 0.0 < fraction < 1.0:
        raise DataError(f"the validation fraction must be between 0 and 1, got {fraction}")
    n = len(data.train_x)
    if n < 4:
        raise DataError(f"{data.source} has {n} training examples; choosing settings needs at least 4 (some to "
                        "train on, some to validate on)")
    by_time = _windows_by_time(data, fraction)
    if by_time is not None:
        fit, held = (torch.from_numpy(rows) for rows in by_time)
    else:
        # a stream of its own: split_seed's plain permutation also picks the labels --labels-per-class keeps (the
        # first rows of each class in it), and the same permutation here would put every kept label in the
        # validation rows
        order = np.random.default_rng([seed, VALIDATION_STREAM]).permutation(n)
        n_held = min(n - 2, max(2, round(n * fraction)))
        unlabelled = _unlabelled_rows(data.train_y)
        if unlabelled is not None and unlabelled.sum() >= n_held and not scores_labels:
            # labels are scarce where some rows have none (-1): every label stays in training and the validation
            # rows are unlabelled ones (what the run validates on, its -ELBO, needs no label)
            order = np.concatenate([order[unlabelled[order]], order[~unlabelled[order]]])
        fit, held = torch.from_numpy(np.sort(order[n_held:])), torch.from_numpy(np.sort(order[:n_held]))

    def rows(values: torch.Tensor | None, index: torch.Tensor) -> torch.Tensor | None:
        return None if values is None else values[index]

    return dataclasses.replace(
        data, name=f"{data.name} (validation split)", train_x=data.train_x[fit], test_x=data.train_x[held],
        train_y=rows(data.train_y, fit), test_y=rows(data.train_y, held),
        train_factors=rows(data.train_factors, fit), test_factors=rows(data.train_factors, held),
        # rows and ids number the source's examples; these are a part of its training split only
        train_rows=None, test_rows=None, ids=None, own_split=False, windows=None,
        # a run trained on it records the whole data's fingerprint: `vaekit evaluate` on its test split, and a
        # resume (on the whole training split), read the data the run came from
        source_fingerprint=data_fingerprint(data))


def _windows_by_time(data: Dataset, fraction: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(fit, held) training rows of windows cut from long recordings (--window): each recording's last `fraction`
    of training windows held, and the fitted windows those overlap dropped, so that no step is in both (a random
    pick of overlapping windows would validate on steps it trained on). None for other data, or when no
    recording has the windows to spare."""
    windows = data.windows
    if windows is None or windows.window == 0:
        return None
    origins = windows.origins[data.rows()[0]]  # (recording, start) of each training example, in train_x's order
    fit, held = [], []
    for recording in np.unique(origins[:, 0]):
        mine = np.flatnonzero(origins[:, 0] == recording)
        mine = mine[np.argsort(origins[mine, 1], kind="stable")]
        count = max(1, round(len(mine) * fraction))
        if len(mine) < 3:
            fit.append(mine)
            continue
        cut = origins[mine[-count], 1]  # the first held window's start: fitted windows end at or before it
        held.append(mine[-count:])
        fit.append(mine[:-count][origins[mine[:-count], 1] + windows.window <= cut])
    if not held or not np.concatenate(fit).size:
        return None
    return np.sort(np.concatenate(fit)), np.sort(np.concatenate(held))


def _unlabelled_rows(labels: torch.Tensor | None) -> np.ndarray | None:
    """(N,) bool: the rows without a label (UNLABELLED, -1) when some rows have one and some do not; None otherwise."""
    if labels is None or labels.ndim != 1 or labels.dtype.is_floating_point:
        return None
    missing = (labels == UNLABELLED).numpy()
    return missing if missing.any() and not missing.all() else None
