"""Why PCA's reconstruction error wins one-class breast cancer (bench/untuned_data.py): the units of the columns.

    python bench/anomaly_units.py

The same split and normal class as bench/untuned_data.py's anomaly use (benign is normal). PCA, fitted on the
normal training rows, scores the test rows by their squared reconstruction error, on the raw columns (as the
baseline does: components for 90% of the variance) and on columns standardized by the normal training rows (the
units vaekit's Gaussian likelihood models); beside them, the squared distance to the training mean.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from untuned_data import _split, _tables
from vaekit.tasks.baselines.anomaly import auroc


def main() -> None:
    from sklearn.datasets import load_breast_cancer

    names = load_breast_cancer().feature_names
    x, y = _tables()["breast_cancer"]
    train_x, test_x, train_y, test_y = _split(x, y)
    normal = np.bincount(y).argmax()
    fit_rows, anomalous = train_x[train_y == normal], test_y != normal
    scaler = StandardScaler().fit(fit_rows)
    for units, (train, test) in {"raw columns": (fit_rows, test_x),
                                 "standardized columns": (scaler.transform(fit_rows), scaler.transform(test_x))
                                 }.items():
        pca = PCA(0.9, random_state=0).fit(train)
        error = ((test - pca.inverse_transform(pca.transform(test))) ** 2).sum(1)
        distance = ((test - train.mean(0)) ** 2).sum(1)
        top = str(names[int(np.argmax(np.abs(pca.components_[0])))])
        print(f"{units}: PCA for 90% of the variance keeps {pca.n_components_} component(s) (the first mostly "
              f"{top!r}), reconstruction error AUROC {auroc(anomalous, error):.3f}; distance to the mean "
              f"{auroc(anomalous, distance):.3f}")


if __name__ == "__main__":
    main()
