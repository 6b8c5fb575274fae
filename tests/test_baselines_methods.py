"""The baselines on constructed data whose answer is known: PCA must find anomalies off a line, k-means must
find separated blobs, a logistic regression separable classes, IterativeImputer a linear relation, the median
filter a lone speck; and each is fitted on the training rows only."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vaekit.core.errors import VaekitError
from vaekit.tasks.baselines.anomaly import FOREST_NAME, PCA_NAME, anomalous_rows, anomaly_scores, auroc
from vaekit.tasks.baselines.classification import LOGISTIC_NAME, SPREADING_NAME, classification_baselines
from vaekit.tasks.baselines.clustering import INPUTS_NAME, clustering_baselines
from vaekit.tasks.baselines.denoising import (
    KNN_NAME,
    MEDIAN_NAME,
    denoising_baselines,
    inpainting_baselines,
    median_filled,
    psnr,
)
from vaekit.tasks.baselines.imputation import (
    ITERATIVE_NAME,
    MEAN_NAME,
    hide_entries,
    imputation_baselines,
    imputation_errors,
)
from vaekit.tasks.baselines.inputs import fit_pca


def _line(count: int, rng: np.random.Generator) -> np.ndarray:
    """Rows on the line t * (1, 2, 3, 4, 5) with a little noise: one principal component holds all but 1e-4."""
    return rng.normal(size=(count, 1)) * np.arange(1.0, 6.0) + 1e-3 * rng.normal(size=(count, 5))


def test_pca_reconstruction_error_ranks_every_anomaly_off_the_line_first() -> None:
    rng = np.random.default_rng(0)
    train = _line(200, rng)
    normal, off = _line(50, rng), _line(10, rng) + 3 * np.array([1.0, -1.0, 0.0, 0.0, 0.0])  # orthogonal
    scores = anomaly_scores(train, np.concatenate([normal, off]), seed=0)
    truth = np.r_[np.zeros(50, bool), np.ones(10, bool)]
    assert fit_pca(train).n_components_ == 1  # 90% of the variance lies along the line
    assert auroc(truth, scores[PCA_NAME]) == 1.0
    assert auroc(truth, scores[FOREST_NAME]) > 0.5
    assert auroc(truth, -scores[PCA_NAME]) == 0.0


def test_auroc_needs_both_sorts_of_rows_and_labels_say_which_are_anomalous() -> None:
    with pytest.raises(VaekitError, match="all 3 rows are normal"):
        auroc(np.zeros(3, bool), np.arange(3.0))
    assert anomalous_rows(np.array([0, 5, 9, 6]), [5, 6]).tolist() == [False, True, False, True]
    assert anomalous_rows(np.array([0, 1, 1]), None).tolist() == [False, True, True]
    assert anomalous_rows(np.array([0, 1, 2]), None) is None


def test_kmeans_on_separated_blobs_is_perfect_and_is_fitted_on_the_training_rows() -> None:
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 0.0]])
    train_y, y = rng.integers(0, 3, 150), np.repeat([0, 1, 2], 10)
    train, x = centres[train_y] + rng.normal(size=(150, 3)), centres[y] + rng.normal(size=(30, 3))
    found = clustering_baselines(train, x, y, clusters=3, seed=0)
    assert found[INPUTS_NAME] == {"accuracy": 1.0, "nmi": 1.0, "ari": 1.0}
    assert found["k-means on PCA of the inputs"]["accuracy"] == 1.0
    assert found["k-means on the standardized inputs"]["accuracy"] == 1.0
    # fitted on two blobs only, k-means cannot give the third its own cluster: it was fitted, not refitted on x
    two = clustering_baselines(train[train_y < 2], x, y, clusters=2, seed=0)[INPUTS_NAME]
    assert two["accuracy"] < 1.0


def test_logistic_regression_reads_labelled_rows_and_label_spreading_the_unlabelled_too() -> None:
    rng = np.random.default_rng(2)
    train_y = rng.integers(0, 2, 200)
    train = train_y[:, None] * 6.0 + rng.normal(size=(200, 4))
    partial = np.where(np.arange(200) < 20, train_y, -1)  # 20 labelled rows, as --labels-per-class keeps
    y = np.r_[np.zeros(10, int), np.ones(10, int), -np.ones(5, int)]  # -1: left out of the accuracy
    x = np.clip(y, 0, 1)[:, None] * 6.0 + rng.normal(size=(25, 4))
    found = classification_baselines(train, partial, x, y, seed=0)
    assert found == {LOGISTIC_NAME: 1.0, SPREADING_NAME: 1.0, "LabelSpreading on the standardized inputs": 1.0}
    with pytest.raises(VaekitError, match="at least two classes"):
        classification_baselines(train, np.where(train_y == 1, -1, 0), x, y)


def test_iterative_imputer_recovers_a_linear_column_and_the_mode_fills_categories() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=300)
    code = (a > 0).astype(float)  # a binary column that a's sign decides
    table = np.stack([a, 2 * a + 1, code], axis=1)
    train, rows = torch.from_numpy(table[:200]), torch.from_numpy(table[200:])
    hidden = torch.zeros(rows.shape, dtype=torch.bool)
    hidden[::2, 1] = True
    hidden[1::2, 2] = True
    kinds = ["continuous", "continuous", "binary"]
    filled = imputation_baselines(train, rows.masked_fill(hidden, float("nan")), kinds, seed=0)
    iterative = imputation_errors(rows, filled[ITERATIVE_NAME], hidden, kinds)
    mean = imputation_errors(rows, filled[MEAN_NAME], hidden, kinds)
    assert iterative["rmse"] < 0.01 < mean["rmse"]
    assert iterative["continuous_entries"] == 50 and iterative["categorical_entries"] == 50
    assert set(np.unique(filled[MEAN_NAME][:, 2])) <= {0.0, 1.0}  # a mode, not a mean between the codes
    assert set(np.unique(filled[ITERATIVE_NAME][:, 2])) <= {0.0, 1.0}  # rounded to a value the column takes
    assert iterative["accuracy"] > mean["accuracy"] - 1e-9
    assert set(np.unique(filled[KNN_NAME][:, 2])) <= {0.0, 1.0}


def test_the_knn_imputer_measures_distance_in_each_column_s_spread_not_its_units() -> None:
    """Column 0 decides column 2; column 1 is noise in units a thousand times larger. In raw units the nearest
    rows would be those nearest in the noise; in units of each column's spread, column 0 counts as much."""
    from sklearn.impute import KNNImputer

    rng = np.random.default_rng(0)
    a = rng.normal(size=400)
    table = np.stack([a, 1000 * rng.normal(size=400), a], axis=1)
    train, rows = table[:300], table[300:]
    hidden = torch.zeros(rows.shape, dtype=torch.bool)
    hidden[:, 2] = True
    gaps = np.where(hidden.numpy(), np.nan, rows)
    filled = imputation_baselines(train, gaps, ["continuous"] * 3, seed=0)[KNN_NAME]
    raw = KNNImputer(n_neighbors=5).fit(train).transform(gaps)
    assert np.array_equal(filled[:, :2], rows[:, :2])  # the observed values as they were
    assert imputation_errors(rows, filled, hidden)["rmse"] < 0.5 * imputation_errors(rows, raw, hidden)["rmse"]


def test_hidden_entries_are_observed_ones_seeded_and_a_bad_fraction_is_refused() -> None:
    x = torch.ones(40, 5)
    x[:, 0] = float("nan")
    hidden = hide_entries(x, 0.5, seed=1)
    assert not hidden[:, 0].any() and 40 < int(hidden.sum()) < 120
    assert torch.equal(hidden, hide_entries(x, 0.5, seed=1))
    for fraction in (0.0, 1.0, 1.5):
        with pytest.raises(VaekitError, match="between 0 and 1"):
            hide_entries(x, fraction)
    with pytest.raises(VaekitError, match="these rows have none"):
        hide_entries(torch.full((3, 2), float("nan")), 0.2)


def test_psnr_and_the_median_filter_on_a_lone_speck() -> None:
    clean = np.zeros((1, 1, 5, 5))
    noisy = clean.copy()
    noisy[0, 0, 2, 2] = 1.0
    assert psnr(clean, noisy) == pytest.approx(10 * math.log10(25))  # MSE 1/25, peak 1
    found = denoising_baselines(np.zeros((4, 25)), noisy, image=True)
    assert psnr(clean, found[MEDIAN_NAME]) == math.inf  # the speck is the odd one of its 3x3 window
    assert found[MEDIAN_NAME].shape == noisy.shape


def test_inpainting_fills_only_the_missing_pixels() -> None:
    rng = np.random.default_rng(4)
    train = rng.random((50, 1, 4, 4))
    image = np.full((1, 1, 4, 4), 0.5)
    gaps = image.copy()
    gaps[0, 0, 2:, :] = np.nan
    filled = inpainting_baselines(train, gaps, image=True)
    assert set(filled) == {MEDIAN_NAME, "PCA reconstruction", KNN_NAME}
    for values in filled.values():
        assert not np.isnan(values).any()
        assert np.array_equal(values[0, 0, :2], image[0, 0, :2])  # observed pixels untouched
    assert np.allclose(median_filled(gaps), 0.5)  # a flat image's hole fills flat, row by row inward
