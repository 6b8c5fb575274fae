"""Disentanglement metrics: how one-to-one the map is between latent dimensions and known generative factors.

    scores = disentanglement_scores(codes, factors, seed=0)   # codes (N, d) posterior means, factors (N, K)
    scores["mig"], scores["factor_vae_score"], scores["dci_disentanglement"], scores["sap"]

Factors are numbers on a grid (dSprites: shape 0..2, 6 scales, 40 orientations, 32 x and 32 y positions); a
factor with more than `bins` distinct values is binned like the codes where a metric needs classes. Factors that
never vary carry no information and are left out. Each metric, with z_j a code dimension and v_k a factor:

- MIG (Chen et al. 2018): the codes discretized into `bins` equal-width bins, I(z_j; v_k) from the joint
  histogram, and for each factor the gap between the two largest, normalized by the factor's entropy:
      MIG = 1/K sum_k (I(z_{j(1)}; v_k) - I(z_{j(2)}; v_k)) / H(v_k)
  (the histogram estimator of disentanglement_lib; Chen et al. estimate I from q(z|x) instead). A factor with
  more values than bins (32 positions) is binned the same way, so that a perfect code still scores about 1.
- FactorVAE score (Kim and Mnih 2018): each vote fixes one factor k at one value, takes `batch` examples that
  share it, and finds the dimension argmin_j Var(z_j / s_j) (s_j: the code's standard deviation over all the data;
  dimensions with a variance of their posterior mean below 0.01 are left out, as inactive units, unless all
  are). A majority-vote
  classifier maps each dimension to the factor it was most often the argmin for; the score is its accuracy on
  votes it was not fitted on. Examples that share a factor value are drawn from the data given, not rendered.
- DCI disentanglement (Eastwood and Williams 2018), from the feature importances of one gradient-boosted
  regression tree ensemble per factor (scikit-learn's GradientBoostingRegressor) predicting the factor from all
  codes: R_jk, P_jk = R_jk / sum_k R_jk, and
      D = sum_j rho_j (1 - H_K(P_j.)),  rho_j = sum_k R_jk / sum_jk R_jk,  H_K the entropy in base K
  with completeness C = sum_k rho_k (1 - H_d(P~_.k)) (P~ normalized over codes) and informativeness the mean test
  R^2 of the regressors.
- SAP (Kumar et al. 2018): S_jk the R^2 of a linear regression of factor k on code z_j alone (the squared
  correlation, on held-out examples), SAP = 1/K sum_k (top S_jk - second S_jk) over j. Every factor is read as
  a number, the continuous variant of the paper, so the unordered shape (0, 1, 2) is scored as an ordered one.

DCI and SAP fit on a seeded half of the examples and score on the other half.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vaekit.core.errors import VaekitError
from vaekit.tasks.evaluation.diagnostics import ACTIVE_THRESHOLD

BINS = 20  # disentanglement_lib's histogram discretization for MIG
VOTE_BATCH = 64  # examples per FactorVAE-score vote (Kim and Mnih use L = 64)


def _check(codes: np.ndarray, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, factors = np.asarray(codes, dtype=np.float64), np.asarray(factors, dtype=np.float64)
    if codes.ndim != 2 or factors.ndim != 2 or len(codes) != len(factors):
        raise VaekitError(f"disentanglement metrics take codes (N, d) and factors (N, K) for the same examples, got "
                          f"{codes.shape} and {factors.shape}")
    if len(codes) < 4:
        raise VaekitError(f"disentanglement metrics need at least 4 examples, got {len(codes)}")
    if not (np.isfinite(codes).all() and np.isfinite(factors).all()):
        raise VaekitError("the codes or factors given to the disentanglement metrics hold NaN or infinite values")
    varying = factors.std(0) > 0
    if not varying.any():
        raise VaekitError("no factor varies over these examples: there is nothing to disentangle")
    return codes, factors[:, varying]


def discretize(values: np.ndarray, bins: int = BINS) -> np.ndarray:
    """(N, M) integer classes of each column: its distinct values when there are at most `bins`, else `bins`
    equal-width bins over its range."""
    out = np.empty(values.shape, dtype=np.int64)
    for column in range(values.shape[1]):
        distinct, classes = np.unique(values[:, column], return_inverse=True)
        if len(distinct) > bins:
            edges = np.histogram_bin_edges(values[:, column], bins)
            classes = np.digitize(values[:, column], edges[1:-1])
        out[:, column] = classes
    return out


def _mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """I(a; b) in nats of two integer class arrays, from their joint histogram."""
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    joint /= joint.sum()
    outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
    seen = joint > 0
    return float((joint[seen] * np.log(joint[seen] / outer[seen])).sum())


def _entropy(a: np.ndarray) -> float:
    p = np.bincount(a) / len(a)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mig(codes: np.ndarray, factors: np.ndarray, bins: int = BINS) -> float:
    """The mutual information gap, in [0, 1]: 1 when each factor is in one code dimension and no other."""
    return float(np.mean(mig_per_factor(codes, factors, bins)))


def mig_per_factor(codes: np.ndarray, factors: np.ndarray, bins: int = BINS) -> list[float]:
    """Each varying factor's normalized gap (I(z_j(1); v_k) - I(z_j(2); v_k)) / H(v_k), in the factors' order."""
    codes, factors = _check(codes, factors)
    z, v = discretize(codes, bins), discretize(factors, bins)
    gaps = []
    for k in range(v.shape[1]):
        information = sorted((_mutual_information(z[:, j], v[:, k]) for j in range(z.shape[1])), reverse=True)
        second = information[1] if len(information) > 1 else 0.0
        gaps.append((information[0] - second) / _entropy(v[:, k]))
    return gaps


def factor_vae_score(codes: np.ndarray, factors: np.ndarray, seed: int = 0, batch: int = VOTE_BATCH,
                     train_votes: int = 800, test_votes: int = 800) -> float:
    """Accuracy of the majority-vote classifier from argmin normalized variance to the fixed factor, in [0, 1].
    1 for a perfectly disentangled code; about 1/K or a little above for a code that ignores the factors."""
    codes, factors = _check(codes, factors)
    rng = np.random.default_rng(seed)
    scale = codes.std(0)
    active = codes.var(0) > ACTIVE_THRESHOLD
    if not active.any():  # a collapsed code: every dimension votes, and the score falls to about chance
        active[:] = True
    normalized = codes[:, active] / np.where(scale[active] > 0, scale[active], 1.0)
    dims = np.flatnonzero(active)
    groups = [[np.flatnonzero(factors[:, k] == value) for value in np.unique(factors[:, k])]
              for k in range(factors.shape[1])]

    def votes(count: int) -> tuple[np.ndarray, np.ndarray]:
        chosen = rng.integers(factors.shape[1], size=count)
        found = np.empty(count, dtype=np.int64)
        for i, k in enumerate(chosen):
            members = groups[k][rng.integers(len(groups[k]))]
            rows = rng.choice(members, size=batch, replace=len(members) < batch)
            found[i] = dims[np.argmin(normalized[rows].var(0))]
        return found, chosen

    train_dims, train_factors = votes(train_votes)
    table = np.zeros((codes.shape[1], factors.shape[1]), dtype=np.int64)
    np.add.at(table, (train_dims, train_factors), 1)
    classifier = table.argmax(1)  # each dimension's majority factor (a dimension never voted for: factor 0)
    test_dims, test_factors = votes(test_votes)
    return float((classifier[test_dims] == test_factors).mean())


def _halves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return order[: n // 2], order[n // 2:]


def _standardize(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    scale = reference.std(0)
    return (values - reference.mean(0)) / np.where(scale > 0, scale, 1.0)


def dci(codes: np.ndarray, factors: np.ndarray, seed: int = 0, max_train: int = 5000,
        trees: int = 50) -> dict[str, float]:
    """DCI disentanglement, completeness and informativeness (mean test R^2) from gradient-boosted trees."""
    from sklearn.ensemble import GradientBoostingRegressor  # imported here: scikit-learn takes a second

    codes, factors = _check(codes, factors)
    train, test = _halves(len(codes), seed)
    train = train[:max_train]
    targets = _standardize(factors, factors[train])
    importance = np.zeros((codes.shape[1], factors.shape[1]))
    scores = []
    for k in range(factors.shape[1]):
        model = GradientBoostingRegressor(n_estimators=trees, max_depth=3, random_state=seed)
        model.fit(codes[train], targets[train, k])
        importance[:, k] = np.abs(model.feature_importances_)
        scores.append(model.score(codes[test], targets[test, k]))
    return {"disentanglement": _dci_disentanglement(importance),
            "completeness": _dci_disentanglement(importance.T), "informativeness": float(np.mean(scores))}


def _dci_disentanglement(importance: np.ndarray) -> float:
    """sum_j rho_j (1 - H_K(P_j)) for an importance matrix (codes, factors); rows of zeros weigh nothing."""
    total = importance.sum()
    if total <= 0 or importance.shape[1] < 2:
        return 0.0 if total <= 0 else 1.0
    row_sums = importance.sum(1)
    p = importance / np.where(row_sums > 0, row_sums, 1.0)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log(p), 0.0).sum(1) / np.log(importance.shape[1])
    return float(((1 - entropy) * row_sums / total).sum())


def sap(codes: np.ndarray, factors: np.ndarray, seed: int = 0) -> float:
    """The separated attribute predictability, in [0, 1]: the mean gap between the two codes that predict each
    factor best (held-out R^2 of a one-code linear regression)."""
    codes, factors = _check(codes, factors)
    train, test = _halves(len(codes), seed)
    score = np.zeros((codes.shape[1], factors.shape[1]))
    for j in range(codes.shape[1]):
        for k in range(factors.shape[1]):
            z, v = codes[train, j], factors[train, k]
            if z.std() == 0:
                continue  # a constant code predicts nothing
            slope = np.cov(z, v, bias=True)[0, 1] / z.var()
            predicted = factors[train, k].mean() + slope * (codes[test, j] - z.mean())
            residual = ((factors[test, k] - predicted) ** 2).sum()
            spread = ((factors[test, k] - factors[test, k].mean()) ** 2).sum()
            score[j, k] = max(0.0, 1 - residual / spread) if spread > 0 else 0.0
    top = np.sort(score, axis=0)[::-1]
    return float((top[0] - (top[1] if len(top) > 1 else 0.0)).mean())


# the scores' keys in an evaluation and their labels, in the order tables show them (evaluate, compare, the report)
LABELS = {"mig": "MIG", "factor_vae_score": "FactorVAE score", "dci_disentanglement": "DCI disentanglement",
          "dci_completeness": "DCI completeness", "dci_informativeness": "DCI informativeness (R^2)", "sap": "SAP"}


def disentanglement_scores(codes: np.ndarray, factors: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """MIG (and each varying factor's gap), FactorVAE score, DCI (disentanglement, completeness, informativeness)
    and SAP of codes (N, d) against factors (N, K), seeded by `seed`."""
    result = dci(codes, factors, seed)
    gaps = mig_per_factor(codes, factors)
    return {"mig": float(np.mean(gaps)), "mig_per_factor": gaps,
            "factor_vae_score": factor_vae_score(codes, factors, seed),
            "dci_disentanglement": result["disentanglement"], "dci_completeness": result["completeness"],
            "dci_informativeness": result["informativeness"], "sap": sap(codes, factors, seed)}
