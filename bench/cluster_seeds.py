"""How much the clusters of a VAE's codes depend on the seed it trained with: `VAEEmbedder(latent_dim=10)` as
bench/untuned_data.py's clustering use trains it, once per seed, on the same rows, against k-means on the inputs;
and whether the seeds' agreement, which needs no labels, tells the good ones.

    python bench/cluster_seeds.py                          # the four tables, seeds 0-4
    python bench/cluster_seeds.py --data penguins --seeds 10
    python bench/cluster_seeds.py --table bench/results/cluster_seeds.json   # its markdown table, no run

The splits are bench/untuned_data.py's; k-means (one cluster per class) is fitted on the codes of the training rows
and scores the test rows (accuracy under the best one-to-one map of clusters to classes). A spread as wide as the
margin over the baseline says why a search scored without labels cannot choose well, and why a search scored by
labelled rows keeps the trial's own model rather than train its settings again (tuning/criteria.py: refit).

Agreement: each seed's k-means clustering of the training rows against every other seed's, by the adjusted Rand
index (no labels read); a seed's figure is its mean over the others. The table gives Spearman's rho of agreement
with test accuracy over the seeds, and the test accuracy of the seed that agrees most, among all of them and among
the first R (--restarts: what a rule "train R seeds, keep the one the others agree with most" would keep).
The JSON also holds the accuracy of a consensus of the first R seeds' clusterings (and of all N), which reads no
labels either (_consensus: evidence accumulation).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from untuned_data import _kept_aside, _split, _tables  # noqa: E402
from vaekit import VAEEmbedder  # noqa: E402
from vaekit.tasks.baselines.clustering import clustering_baselines  # noqa: E402
from vaekit.tasks.evaluation.clustering import assign, clustering_scores, fit_codes  # noqa: E402


def _agreement(clusterings: list[np.ndarray]) -> list[float]:
    """Each clustering's mean adjusted Rand index with the others."""
    from sklearn.metrics import adjusted_rand_score

    return [float(np.mean([adjusted_rand_score(mine, other) for j, other in enumerate(clusterings) if j != i]))
            for i, mine in enumerate(clusterings)]


def _consensus(train: list[np.ndarray], test: list[np.ndarray], k: int) -> np.ndarray:
    """The test rows' clusters by evidence accumulation (Fred and Jain 2005) over several clusterings: the share of
    clusterings that put two training rows together, cut into k groups by average linkage; each clustering's
    clusters mapped one-to-one onto those groups (most training rows shared), then each test row takes its
    clusterings' most frequent group."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import AgglomerativeClustering

    together = np.mean([labels[:, None] == labels[None, :] for labels in train], axis=0)
    groups = AgglomerativeClustering(n_clusters=k, metric="precomputed", linkage="average").fit_predict(1 - together)
    votes = np.zeros((len(test[0]), k))
    for mine, theirs in zip(train, test, strict=True):
        shared = np.zeros((k, k))
        np.add.at(shared, (mine, groups), 1)
        _, cols = linear_sum_assignment(-shared)  # cluster c of this clustering is group cols[c]
        votes[np.arange(len(theirs)), cols[theirs]] += 1
    return votes.argmax(1)


def accuracies(x: np.ndarray, y: np.ndarray, seeds: int, restarts: list[int]) -> dict[str, object]:
    from scipy.stats import spearmanr

    train_x, test_x, _, test_y = _split(x, y)
    k = len(np.unique(y))
    found, clusterings, tested = [], [], []
    for seed in range(seeds):
        embedder = VAEEmbedder(latent_dim=10, seed=seed).fit(train_x)
        centres = fit_codes(embedder.transform(train_x), "kmeans", k, seed=0)
        clusterings.append(centres.labels_)
        tested.append(assign(centres, embedder.transform(test_x))[0])
        found.append(clustering_scores(test_y, tested[-1])["accuracy"])
    agreement = _agreement(clusterings)
    baselines = {name: scores["accuracy"] for name, scores in clustering_baselines(train_x, test_x, test_y, k).items()}
    return {"seeds": found, "mean": float(np.mean(found)), "min": min(found), "max": max(found),
            "best baseline": max(baselines.values()), "agreement": agreement,
            "rho": float(spearmanr(agreement, found).statistic), "most agreed": found[int(np.argmax(agreement))],
            "most agreed of the first": {r: found[int(np.argmax(_agreement(clusterings[:r])))]
                                         for r in restarts if 2 <= r <= seeds},
            "consensus of the first": {r: clustering_scores(test_y, _consensus(clusterings[:r], tested[:r], k))[
                "accuracy"] for r in [*restarts, seeds] if 2 <= r <= seeds}}


def table(results: dict[str, dict]) -> str:
    """The results as a markdown table."""
    count = len(next(iter(results.values()))["seeds"])
    lines = [f"| data | accuracy, seeds 0-{count - 1} | mean | best k-means baseline | agreement's rho with accuracy "
             "| accuracy of the seed that agrees most | the same among the first R | consensus of the first R |",
             "|---|---|---|---|---|---|---|---|"]
    for name, found in results.items():
        seeds = ", ".join(f"{value:.3f}" for value in found["seeds"])
        firsts = ", ".join(f"R={r}: {value:.3f}" for r, value in found["most agreed of the first"].items())
        consensus = ", ".join(f"R={r}: {value:.3f}" for r, value in found["consensus of the first"].items())
        lines.append(f"| {name} | {seeds} | {found['mean']:.3f} | {found['best baseline']:.3f} | "
                     f"{found['rho']:+.2f} | {found['most agreed']:.3f} | {firsts} | {consensus} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="tables to run, separated by commas [default: all four]")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--restarts", default="3,5", help="R: also the seed that agrees most among the first R, "
                        "separated by commas")
    parser.add_argument("--kept-aside", action="store_true", help="the tables kept aside (iris, crabs, Pima.tr; "
                        "bench/untuned_data.py --kept-aside) instead of the four")
    parser.add_argument("--out", default="bench/results/cluster_seeds.json")
    parser.add_argument("--table", default=None, help="print the markdown table of this results file and stop")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(Path(args.table).read_text())["results"]))
        return
    tables = _kept_aside() if args.kept_aside else _tables()
    chosen = args.data.split(",") if args.data else list(tables)
    results = {}
    for name in chosen:
        results[name] = accuracies(*tables[name], args.seeds, [int(r) for r in args.restarts.split(",")])
        print(json.dumps({"data": name, **results[name]}), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": platform.processor() or platform.machine(), "results": results},
                                         indent=1))
    print("\n" + table(results))

if __name__ == "__main__":
    main()
