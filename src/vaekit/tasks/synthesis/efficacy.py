"""Machine-learning efficacy of a synthetic table: train on synthetic, test on real. A scikit-learn
HistGradientBoosting model trained on the synthetic rows and the same model trained on the real rows, both scored
on a holdout of real rows neither saw; a synthetic table as useful as the real one scores as the real one does.

    efficacy = machine_learning_efficacy(real, synthetic, holdout, sdtypes, target="smoker")
    efficacy.synthetic_score, efficacy.real_score, efficacy.chance_score     # macro F1 here; R^2 for a number
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from vaekit.config.fields import check_seed
from vaekit.core.errors import DataError
from vaekit.tasks.synthesis.table_checks import (
    MAX_ROWS,
    MODELLED,
    check_sdtypes,
    check_tables,
    column_floats,
    draw_rows,
)

if TYPE_CHECKING:
    import pandas as pd

MODEL_ITERATIONS = 100  # boosting rounds at most; early stopping on a tenth of the rows ends most far sooner
MAX_CATEGORIES = 255  # HistGradientBoosting's most categories in a categorical feature; more are read as codes


@dataclasses.dataclass(frozen=True)
class MachineLearningEfficacy:
    """A model trained on the synthetic rows and the same model trained on the real rows, both scored on the
    holdout: a synthetic table as useful as the real one scores `real_score`. `chance_score` is what predicting
    the training target's most frequent class (its mean) scores: a model that learnt nothing."""

    target: str
    task: str  # "classification" (a categorical or boolean target) or "regression" (a numerical or date target)
    metric: str  # "macro_f1" (classification) or "r2" (regression): higher is better
    synthetic_score: float  # trained on synthetic rows, tested on the holdout
    real_score: float  # trained on real rows, tested on the holdout
    chance_score: float
    accuracy_synthetic: float | None  # classification only
    accuracy_real: float | None
    rows: dict[str, int]  # rows with a target value used: {"synthetic": ..., "real": ..., "holdout": ...}


def choose_target(sdtypes: Mapping[str, str], target: str | None = None) -> str:
    """`target` when given, else the last categorical or boolean column, else the last numerical one."""
    if target is not None:
        return target
    for wanted in (("categorical", "boolean"), ("numerical",)):
        columns = [column for column, sdtype in sdtypes.items() if sdtype in wanted]
        if columns:
            return columns[-1]
    raise DataError("no categorical, boolean or numerical column to predict: name a target")


def _codes(values: pd.Series, levels: pd.Index) -> np.ndarray:
    """Category codes as floats, NaN for a missing value or one outside `levels`."""
    import pandas as pd

    codes = pd.Categorical(values, categories=levels).codes.astype(float)
    codes[codes < 0] = np.nan
    return codes


def _levels(*columns: pd.Series) -> pd.Index:
    import pandas as pd

    return pd.Index(pd.unique(pd.concat([column.dropna() for column in columns], ignore_index=True)))


def machine_learning_efficacy(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame,
                              sdtypes: Mapping[str, str], target: str | None = None, seed: int = 0,
                              datetime_formats: Mapping[str, str] | None = None) -> MachineLearningEfficacy:
    """Train on synthetic, test on the holdout, beside train on real, test on the holdout: a
    HistGradientBoostingClassifier (macro F1, and accuracy) for a categorical or boolean target, a
    HistGradientBoostingRegressor (R^2) for a numerical or datetime one; the other modelled columns are the
    features (ids are left out). Each table is cut to MAX_ROWS rows, drawn with `seed`; the models are seeded too."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, f1_score, r2_score
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    check_seed("seed", seed)
    check_sdtypes(sdtypes, datetime_formats, target)
    date_formats = dict(datetime_formats or {})
    if holdout is None:
        raise DataError("machine-learning efficacy needs a holdout table: real rows to test both models on")
    rng = np.random.default_rng(seed)
    real, synthetic, holdout = (draw_rows(frame, MAX_ROWS, rng)
                                for frame in check_tables(real, synthetic, holdout, sdtypes, date_formats))
    target = choose_target(sdtypes, target)
    features = [c for c, sdtype in sdtypes.items() if sdtype in MODELLED and c != target]
    frames = {"synthetic": synthetic, "real": real, "holdout": holdout}
    columns: dict[str, list[np.ndarray]] = {name: [] for name in frames}
    categorical = []
    for column in features:
        if sdtypes[column] == "categorical":
            levels = _levels(real[column], synthetic[column])
            categorical.append(len(levels) <= MAX_CATEGORIES)
            for name, frame in frames.items():
                columns[name].append(_codes(frame[column], levels))
        else:
            categorical.append(False)
            for name, frame in frames.items():
                columns[name].append(column_floats(frame[column], sdtypes[column], date_formats.get(column)))
    task = "classification" if sdtypes[target] in ("categorical", "boolean") else "regression"
    levels = _levels(*(frame[target] for frame in frames.values()))
    xs, ys = {}, {}
    for name, frame in frames.items():
        y = _codes(frame[target], levels) if task == "classification" else \
            column_floats(frame[target], sdtypes[target], date_formats.get(target))
        x = np.stack(columns[name], axis=1) if features else np.zeros((len(frame), 0))
        known = ~np.isnan(y)
        xs[name], ys[name] = x[known], y[known]
    if len(ys["holdout"]) == 0:
        raise DataError(f"the holdout table has no value of the target {target!r}: nothing to test on")
    x_test, y_test = xs["holdout"], ys["holdout"]
    mask = np.array(categorical, dtype=bool) if features else None

    def fitted_predictions(name: str) -> np.ndarray:
        x, y = xs[name], ys[name]
        if len(y) == 0:
            return np.full(len(y_test), np.nan)
        if task == "classification" and (len(np.unique(y)) < 2 or not features):
            return np.full(len(y_test), np.bincount(y.astype(int)).argmax(), dtype=float)  # one class: it
        if task == "regression" and not features:
            return np.full(len(y_test), y.mean())
        x = np.where(np.isnan(x).all(axis=0), 0.0, x)  # a column missing in every row (scikit-learn cannot bin it)
        model_class = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
        # early stopping holds out a tenth of the rows, stratified for a classifier: every class needs two rows
        # and the tenth a row of each (a synthetic table may have a class only once)
        counts = np.unique(y, return_counts=True)[1]
        stops = task == "regression" or (counts.min() >= 2 and len(y) // 10 >= len(counts))
        model = model_class(categorical_features=mask, max_iter=MODEL_ITERATIONS, early_stopping=bool(stops),
                            n_iter_no_change=5, random_state=seed % 2**32)
        # one OpenMP thread: on a few thousand rows a tree is too small to share, and on a busy machine the
        # threads' waits for each other cost ten times the work (measured on 2 cores under load: 1 s against 21 s)
        with threadpool_limits(1, user_api="openmp"):
            return model.fit(x, y).predict(x_test)

    def score(predicted: np.ndarray) -> float:
        if np.isnan(predicted).any():
            return float("nan")
        if task == "classification":
            return float(f1_score(y_test, predicted, average="macro"))
        return float(r2_score(y_test, predicted)) if len(y_test) > 1 else float("nan")

    synthetic_pred, real_pred = fitted_predictions("synthetic"), fitted_predictions("real")
    if task == "classification":
        chance = np.full(len(y_test), np.bincount(ys["real"].astype(int)).argmax() if len(ys["real"]) else 0.0)
    else:
        chance = np.full(len(y_test), ys["real"].mean() if len(ys["real"]) else np.nan)

    def accuracy(predicted: np.ndarray) -> float | None:
        if task != "classification":
            return None
        return float("nan") if np.isnan(predicted).any() else float(accuracy_score(y_test, predicted))

    return MachineLearningEfficacy(
        target=str(target), task=task, metric="macro_f1" if task == "classification" else "r2",
        synthetic_score=score(synthetic_pred), real_score=score(real_pred), chance_score=score(chance),
        accuracy_synthetic=accuracy(synthetic_pred), accuracy_real=accuracy(real_pred),
        rows={name: int(len(y)) for name, y in ys.items()})



__all__ = ["MachineLearningEfficacy", "choose_target", "machine_learning_efficacy"]
