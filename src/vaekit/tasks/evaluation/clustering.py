"""Clustering metrics and clustering of latent codes.

    clustering_scores([0, 0, 1, 1], [1, 1, 0, 0])       # {"accuracy": 1.0, "nmi": 1.0, "ari": 1.0}
    assign = cluster_codes(codes, "kmeans", clusters=10, seed=0)

Accuracy under the best one-to-one matching of clusters to classes (Xie et al. 2016, used by VaDE):

    accuracy = max over one-to-one maps m: clusters -> classes of (1/N) sum_i [m(cluster_i) = class_i]

found by the Hungarian algorithm on the (clusters x classes) contingency table. With more clusters than
classes, the clusters left unmatched count as wrong (a strict reading: no many-to-one map is allowed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.model.input_checks import as_checked_data
from vaekit.model.vae import VAE
from vaekit.tasks.outputs import check_finite_outputs, embed

METHODS = ("kmeans", "gmm")


def _labels(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise VaekitError(f"{what} must be one label per example (a 1-D array), got shape {array.shape}")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or not (array == np.round(array)).all():
            raise VaekitError(f"{what} must be whole numbers (class or cluster indices)")
        array = array.astype(np.int64)
    return array


def _paired(labels_true: Any, labels_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """The true labels and the clusters as arrays, one of each per example (a VaekitError otherwise)."""
    true, pred = _labels(labels_true, "labels_true"), _labels(labels_pred, "labels_pred")
    if len(true) != len(pred):
        raise VaekitError(f"{len(true)} true labels but {len(pred)} cluster assignments; give one of each per "
                          "example")
    return true, pred


def matched(labels_true: Any, labels_pred: Any) -> np.ndarray:
    """(N,) bool: whether each example's cluster maps to its class under the best one-to-one map (Hungarian).

    >>> matched([0, 0, 1, 1], [1, 1, 1, 0]).tolist()
    [True, True, False, True]
    """
    from scipy.optimize import linear_sum_assignment

    true, pred = _paired(labels_true, labels_pred)
    _, true_codes = np.unique(true, return_inverse=True)
    _, pred_codes = np.unique(pred, return_inverse=True)
    table = np.zeros((pred_codes.max() + 1, true_codes.max() + 1), dtype=np.int64)
    np.add.at(table, (pred_codes, true_codes), 1)
    rows, columns = linear_sum_assignment(table, maximize=True)  # rectangular tables: min(K, C) pairs
    class_of = np.full(table.shape[0], -1)  # a cluster left unmatched maps to no class: its examples count wrong
    class_of[rows] = columns
    return class_of[pred_codes] == true_codes


def matching_accuracy(labels_true: Any, labels_pred: Any) -> float:
    """The fraction of examples whose cluster maps to their class under the best one-to-one map (Hungarian)."""
    return float(matched(labels_true, labels_pred).mean())


def clustering_scores(labels_true: Any, labels_pred: Any) -> dict[str, float]:
    """Accuracy under the best one-to-one matching, normalised mutual information (arithmetic mean, sklearn's
    default) and the adjusted Rand index of a clustering against the true classes. Labels are any hashable
    values; rows whose true label is -1 (unlabeled, scikit-learn's convention) are left out.

    >>> clustering_scores([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 4, 4])["accuracy"]
    1.0
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    true, pred = _paired(labels_true, labels_pred)
    if true.dtype.kind in "iu":
        labelled = true != -1
        true, pred = true[labelled], pred[labelled]
    if len(true) == 0:
        raise VaekitError("no labelled examples to score the clustering against")
    return {"accuracy": matching_accuracy(true, pred),
            "nmi": float(normalized_mutual_info_score(true, pred)),
            "ari": float(adjusted_rand_score(true, pred))}


def check_clusters(clusters: int, examples: int) -> None:
    if clusters < 2:
        raise VaekitError(f"--clusters must be at least 2, got {clusters}")
    if clusters > examples:
        raise VaekitError(f"--clusters {clusters} is more than the {examples} examples to cluster; choose fewer")


def fit_codes(codes: np.ndarray, method: str, clusters: int, seed: int = 0) -> Any:
    """A fitted scikit-learn KMeans or GaussianMixture (diagonal covariances) with `clusters` components, seeded.
    Its predict() assigns new codes; predict_proba (gmm) gives their probabilities."""
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    if method not in METHODS:
        raise VaekitError(f"unknown clustering method {method!r}; choose kmeans or gmm")
    check_clusters(clusters, len(codes))
    codes = np.asarray(codes, dtype=np.float64)
    if method == "kmeans":
        return KMeans(n_clusters=clusters, n_init=10, random_state=seed).fit(codes)
    return GaussianMixture(clusters, covariance_type="diag", n_init=1, reg_covar=1e-6, random_state=seed).fit(codes)


def assign(fitted: Any, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cluster (N,), probability (N,)) of codes under a fitted KMeans or GaussianMixture. k-means is a hard
    assignment: its probability is 1."""
    from sklearn.mixture import GaussianMixture

    codes = np.asarray(codes, dtype=np.float64)
    if isinstance(fitted, GaussianMixture):
        probs = fitted.predict_proba(codes)
        return probs.argmax(1), probs.max(1)
    return fitted.predict(codes), np.ones(len(codes))


def cluster_codes(codes: np.ndarray, method: str, clusters: int, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Fit k-means or a diagonal Gaussian mixture on codes (N, d) and assign them: (cluster, probability)."""
    return assign(fit_codes(codes, method, clusters, seed), codes)


@torch.no_grad()
def class_probabilities(model: VAE, x: torch.Tensor, batch_size: int = 1000, y: torch.Tensor | None = None
                        ) -> torch.Tensor:
    """(N, K) q(c|x) of a model with a cluster variable (VAE.class_posterior), in batches, on the CPU."""
    x = as_checked_data(x, model, move=False)
    found = []
    for start in range(0, len(x), batch_size):
        labels = None if y is None else y[start:start + batch_size].to(model.device)
        found.append(model.class_posterior(x[start:start + batch_size].to(model.device), labels).probs.cpu())
    probs = torch.cat(found)
    check_finite_outputs(probs, "cluster probabilities")
    return probs


def assign_clusters(model: VAE, x: torch.Tensor, method: str = "posterior", clusters: int | None = None,
                    seed: int = 0, y: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(cluster (N,), probability (N,)) of each example: argmax q(c|x) and its probability (method "posterior",
    a model with a cluster variable), or k-means / a diagonal Gaussian mixture with `clusters` components fitted
    on the examples' posterior means (methods "kmeans", "gmm": any model; k-means' probability is 1).

    >>> cluster, probability = assign_clusters(model, x)                       # VaDE: q(c|x)
    >>> cluster, _ = assign_clusters(model, x, "kmeans", clusters=10, seed=0)  # any run
    """
    if method == "posterior":
        if clusters is not None:
            raise VaekitError("the number of clusters of q(c|x) is the model's own; --clusters is for --method "
                              "kmeans or gmm")
        if not model.has_cluster_variable:
            model.class_posterior(x[:1].to(model.device))  # its one-line error, naming --method kmeans
        probs = class_probabilities(model, x, y=y)
        best = probs.max(-1)
        return best.indices.numpy(), best.values.double().numpy()
    if method not in METHODS:
        raise VaekitError(f"unknown clustering method {method!r}; choose posterior, kmeans or gmm")
    if clusters is None:
        raise VaekitError(f"--method {method} needs the number of clusters: give --clusters K")
    codes = embed(model, x, y=y).double().numpy()
    return cluster_codes(codes, method, clusters, seed)


def clustering_results(model: VAE, x: torch.Tensor, codes: np.ndarray, y: torch.Tensor,
                       labels: torch.Tensor | None = None, seed: int = 0) -> dict[str, float]:
    """What `vaekit evaluate` reports for labelled data: cluster_accuracy, cluster_nmi and cluster_ari of
    argmax q(c|x) (a model with a cluster variable only), and kmeans_accuracy, kmeans_nmi, kmeans_ari of k-means
    on the codes (N, d) with as many clusters as the data have classes (seeded, for any model)."""
    truth = y.numpy()
    found: dict[str, float] = {}
    if model.has_cluster_variable:
        assigned = class_probabilities(model, x, y=labels).argmax(-1).numpy()
        found.update({f"cluster_{name}": value for name, value in clustering_scores(truth, assigned).items()})
    classes = len(np.unique(truth[truth >= 0]))
    kmeans = cluster_codes(codes, "kmeans", min(classes, len(codes)), seed)[0]
    found.update({f"kmeans_{name}": value for name, value in clustering_scores(truth, kmeans).items()})
    return found
