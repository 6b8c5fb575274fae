"""What `vaekit evaluate` adds beside its linear probe and its k-means on codes: the same two on the raw inputs,
and the verdicts.

    found = evaluation_baselines(results, x, y, train_x, train_y, seed=0)
    found["baseline_logistic_regression_accuracy"], found["baseline_kmeans_inputs_accuracy"]
    found["verdicts"]["linear_probe_accuracy"]["verdict"]   # 'verdict: the baseline wins: ...'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from vaekit.tasks.baselines.classification import LOGISTIC_NAME, classification_baselines
from vaekit.tasks.baselines.clustering import INPUTS_NAME, clustering_baselines
from vaekit.tasks.baselines.verdict import verdict

# (key in evaluation.json, what it is, the baseline's key) for each figure of vaekit that has a baseline
COMPARED = [("linear_probe_accuracy", "linear probe on codes", "baseline_logistic_regression_accuracy"),
            ("kmeans_accuracy", "k-means on codes", "baseline_kmeans_inputs_accuracy"),
            ("cluster_accuracy", "q(c|x) clusters", "baseline_kmeans_inputs_accuracy")]
BASELINE_NAMES = {"baseline_logistic_regression_accuracy": LOGISTIC_NAME,
                  "baseline_kmeans_inputs_accuracy": INPUTS_NAME}


def evaluation_baselines(results: dict[str, Any], x: torch.Tensor, y: torch.Tensor, train_x: torch.Tensor,
                         train_y: torch.Tensor | None, seed: int = 0, probe_rows: int = 20_000) -> dict[str, Any]:
    """The baselines of the figures `results` holds, and a verdict for each (under "verdicts"):
    k-means on the inputs (fitted on train_x, as many clusters as y has classes) beside k-means on codes and
    q(c|x); a logistic regression on the inputs, fitted on the labelled rows among the first `probe_rows`
    training rows (those the linear probe is fitted on), beside the probe. x, y: the rows evaluated."""
    found: dict[str, Any] = {}
    if "kmeans_accuracy" in results:
        truth = y.numpy()
        classes = len(np.unique(truth[truth >= 0]))
        scores = clustering_baselines(train_x, x, y, min(classes, len(train_x)), seed, which=(INPUTS_NAME,))
        found.update({f"baseline_kmeans_inputs_{metric}": value for metric, value in scores[INPUTS_NAME].items()})
    if "linear_probe_accuracy" in results and train_y is not None:
        found["baseline_logistic_regression_accuracy"] = classification_baselines(
            train_x[:probe_rows], train_y[:probe_rows], x, y, seed, which=(LOGISTIC_NAME,))[LOGISTIC_NAME]
    verdicts = {}
    for key, what, baseline in COMPARED:
        if key in results and baseline in found:
            verdicts[key] = verdict("accuracy", results[key], {BASELINE_NAMES[baseline]: found[baseline]},
                                    about=what).as_dict()
    found["verdicts"] = verdicts
    return found
