"""The linear probe learns from labelled rows only: -1 (unlabelled, semi-supervised data) is not a class."""

from __future__ import annotations

import numpy as np

from vaekit.tasks.evaluation.probe import linear_probe_accuracy


def test_unlabelled_rows_are_neither_learned_nor_counted():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(400, 2))
    labels = (codes[:, 0] > 0).astype(np.int64)
    partial = labels.copy()
    partial[::2] = -1  # half unlabelled: as a class of its own they would take half the predictions
    test_labels = labels.copy()
    test_labels[:50] = -1
    accuracy = linear_probe_accuracy(codes, partial, codes, test_labels)
    assert accuracy > 0.95
    assert accuracy == linear_probe_accuracy(codes[1::2], labels[1::2], codes[50:], labels[50:])
