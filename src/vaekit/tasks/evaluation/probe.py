"""A linear probe: how much of the labels a linear classifier can read from the posterior means."""

from __future__ import annotations

import numpy as np


def linear_probe_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                          test_labels: np.ndarray, max_train: int = 20_000, seed: int = 0) -> float:
    """Test accuracy of a logistic regression fitted on (at most max_train) labelled training codes."""
    # scikit-learn takes a second to import: only an evaluation with labels pays for it
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # -1 marks an unlabelled row (semi-supervised data): not a class to learn, and not a test row to count
    known = train_labels >= 0
    train_codes, train_labels = train_codes[known], train_labels[known]
    scored = test_labels >= 0
    test_codes, test_labels = test_codes[scored], test_labels[scored]
    if len(train_codes) > max_train:
        keep = np.random.default_rng(seed).choice(len(train_codes), max_train, replace=False)
        train_codes, train_labels = train_codes[keep], train_labels[keep]
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probe.fit(train_codes, train_labels)
    return float(probe.score(test_codes, test_labels))
