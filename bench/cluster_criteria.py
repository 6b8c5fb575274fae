"""Can a search choose a VAE for clustering without labels? For settings of VAEEmbedder that change how its codes
cluster, the label-free figures a search could score on validation rows, against the accuracy the same codes reach
on test rows, all in one run on the same splits.

Per data set: the rows split 70/30 into training and test as bench/untuned_data.py splits them; a fifth of the
training rows held out for validation, as `vaekit.tune` holds it out. Each setting trains VAEEmbedder(latent_dim=10)
on the other four fifths; k-means (as `vaekit cluster`) is fitted on those rows' codes and assigns the validation and
test codes. The label-free figures, each on the validation codes and their k-means clusters:

    nll          -log p(x) of the validation rows (importance-weighted, k = 100): `vaekit tune`'s default criterion
    silhouette   mean silhouette (scikit-learn), higher is better
    calinski     Calinski-Harabasz index, higher is better
    davies       Davies-Bouldin index, lower is better

and, for reference, the accuracy (Hungarian matching) on the validation rows, which needs labels. A criterion a
search could use would rank the settings as their test accuracy does: the table gives Spearman's rank correlation
of each (signed so that higher is better) with the test accuracy, and the test accuracy of the setting each picks.

    python bench/cluster_criteria.py                         # digits, penguins, wine, breast cancer (25 min)
    python bench/cluster_criteria.py --data penguins,wine --out bench/results/cluster_criteria.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine  # noqa: E402
from untuned_data import _split, _tables  # noqa: E402
from vaekit import VAEEmbedder  # noqa: E402
from vaekit.tasks.evaluation.clustering import assign, clustering_scores, fit_codes  # noqa: E402
from vaekit.tasks.scoring import score  # noqa: E402

# one change from the estimator's defaults each: what the KL weighs, how the code is kept alive, the code's size,
# the optimizer's step and batch, and the warm-up `vaekit tune` searches
SETTINGS: dict[str, dict[str, object]] = {
    "defaults": {}, "beta 0.5": {"beta": 0.5}, "beta 2": {"beta": 2.0}, "free bits 0.5": {"free_bits": 0.5},
    "latent 2": {"latent_dim": 2}, "lr 3e-3": {"lr": 3e-3}, "lr 3e-4": {"lr": 3e-4},
    "warm-up 10 epochs": {"warmup_epochs": 10}, "batch 32": {"batch_size": 32},
}
# criterion -> +1 where higher is better, -1 where lower is
CRITERIA = {"nll": -1, "silhouette": 1, "calinski": 1, "davies": -1, "validation accuracy (labels)": 1}


def figures(x: np.ndarray, y: np.ndarray, settings: dict[str, object]) -> dict[str, float]:
    """One setting's label-free figures on the validation rows and its test accuracy."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
    from sklearn.model_selection import train_test_split

    train_x, test_x, train_y, test_y = _split(x, y)
    fit_x, val_x, _, val_y = train_test_split(train_x, train_y, test_size=0.2, random_state=0, stratify=train_y)
    chosen = dict(settings)
    embedder = VAEEmbedder(latent_dim=int(chosen.pop("latent_dim", 10)), **chosen).fit(fit_x)
    k = len(np.unique(y))
    kmeans = fit_codes(embedder.transform(fit_x), "kmeans", k, seed=0)
    val_codes = embedder.transform(val_x)
    clusters = assign(kmeans, val_codes)[0]
    several = len(np.unique(clusters)) > 1  # one cluster has no silhouette: the worst figure of each
    nll = score(embedder.model_, torch.from_numpy(val_x), kind="iw", k=100, seed=0).double().mean()
    return {"nll": float(nll),
            "silhouette": float(silhouette_score(val_codes, clusters)) if several else -1.0,
            "calinski": float(calinski_harabasz_score(val_codes, clusters)) if several else 0.0,
            "davies": float(davies_bouldin_score(val_codes, clusters)) if several else float("inf"),
            "validation accuracy (labels)": clustering_scores(val_y, clusters)["accuracy"],
            "test accuracy": clustering_scores(test_y, assign(kmeans, embedder.transform(test_x))[0])["accuracy"]}


def summary(rows: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per criterion: its rank correlation with the test accuracy, and the test accuracy of the setting it picks."""
    from scipy.stats import spearmanr

    test = [row["test accuracy"] for row in rows.values()]
    found = {}
    for name, sign in CRITERIA.items():
        values = [sign * row[name] for row in rows.values()]
        picked = list(rows)[int(np.argmax(values))]
        found[name] = {"spearman": float(spearmanr(values, test).statistic), "picks": picked,
                       "picked test accuracy": rows[picked]["test accuracy"]}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="digits,penguins,wine,breast_cancer")
    parser.add_argument("--out", default="bench/results/cluster_criteria.json")
    args = parser.parse_args()
    torch.manual_seed(0)
    tables = _tables()
    per_data: dict[str, object] = {}
    results = {"machine": machine(), "settings": SETTINGS, "data": per_data}
    for name in args.data.split(","):
        x, y = tables[name]
        rows = {label: figures(x, y, settings) for label, settings in SETTINGS.items()}
        for label, row in rows.items():
            print(json.dumps({"data": name, "setting": label, **{k: round(v, 3) for k, v in row.items()}}),
                  flush=True)
        best = max(row["test accuracy"] for row in rows.values())
        found = summary(rows)
        per_data[name] = {"rows": rows, "summary": found, "best test accuracy": best}
        print(json.dumps({"data": name, "best test accuracy": best, "summary": found}), flush=True)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=1))

if __name__ == "__main__":
    main()
