"""`vaekit cluster RUN`: each example's cluster and its probability, from q(c|x) or k-means / a Gaussian mixture
on the codes, written with the examples' ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.outputs import DATA, DEVICE, SPLIT, _open, data_labels
from vaekit.cli.run_argument import RunDirectory
from vaekit.cli.verdict_record import keep_verdict
from vaekit.core.errors import VaekitError
from vaekit.core.progress import say_stage
from vaekit.data.writers import save_array_with_ids, save_table

SUFFIXES = (".csv", ".parquet", ".npy")


def _clusters(info: dict[str, Any], method: str, clusters: int | None) -> int | None:
    """--clusters, or for k-means and a mixture on the codes the run's number of classes (`info`: its data
    description) when it has labels."""
    if method == "posterior" or clusters is not None:
        return clusters
    classes = info.get("num_classes")
    if not classes:
        raise VaekitError(f"--method {method} needs the number of clusters and this run's data have no classes to "
                          "take it from: give --clusters K")
    return int(classes)


@click.command()
@click.argument("run", type=RunDirectory())
@click.option("--out", required=True, help="output .csv or .parquet (columns id, cluster, probability, and label "
              "when the data have labels), or .npy (an (N, 2) array of cluster and probability; ids in "
              "NAME-ids.npy, labels in NAME-labels.npy)")
@click.option("--method", type=click.Choice(["posterior", "kmeans", "gmm"]), default="posterior",
              show_default=True, help="posterior: argmax q(c|x) of a run with a cluster variable (prior mixture, "
              "objective vade); kmeans or gmm (diagonal Gaussian mixture): fitted on the posterior means of the "
              "examples, for any run")
@click.option("--clusters", type=int, default=None, callback=at_least(2),
              help="clusters of kmeans and gmm [default: the run's number of classes]")
@click.option("--seed", default=0, show_default=True, help="seed of kmeans and gmm", callback=seed_check)
@DATA
@SPLIT
@DEVICE
def cluster(run: str, out: str, method: str, clusters: int | None, seed: int, source: str | None,
            split: str | None, device: str) -> None:
    """Assign each example to a cluster, with the probability of that cluster.

    A run with a cluster variable (a VaDE: --prior mixture --objective vade) gives argmax q(c|x) = p(c|z) at the
    posterior mean. Any run can be clustered with --method kmeans or gmm on its posterior means. The rows keep
    the data's order, with each example's id; with labelled data, accuracy (best one-to-one matching), NMI and
    ARI against the labels are printed.

    \b
    Example:
      vaekit train --data fashion-mnist --prior mixture --objective vade --pretrain-epochs 40 --epochs 50 \\
          --latent-dim 10 --hidden 500,500 --out runs/vade
      vaekit cluster runs/vade --out clusters.csv
      vaekit cluster runs/digits --method kmeans --clusters 10 --split all --out clusters.parquet
    """
    from vaekit.tasks.evaluation.clustering import assign_clusters, clustering_scores
    from vaekit.tasks.outputs import select_data

    path = Path(out)
    if path.suffix.lower() not in SUFFIXES:  # before the work, not after it
        raise VaekitError(f"{path}: choose an output ending in .csv, .parquet or .npy")
    opened = _open(run, device)
    model = opened.model
    if method == "posterior" and not model.has_cluster_variable:
        raise VaekitError("this run has no cluster variable (no mixture prior, no class latent): use --method "
                          "kmeans (or gmm) to cluster its codes, or train with --prior mixture --objective vade")
    count = _clusters(opened.data_info, method, clusters)
    chosen = select_data(opened, source, split)
    how = "q(c|x), the run's cluster variable" if method == "posterior" else f"{method} on the codes"
    say_stage(f"cluster: {len(chosen.x)} examples by {how}")
    assigned, probability = assign_clusters(model, chosen.x, method, count, seed, y=data_labels(model, chosen.y))
    labels = None if chosen.y is None else chosen.y.numpy()
    if path.suffix.lower() == ".npy":
        save_array_with_ids(path, np.stack([assigned, probability], axis=1), chosen.ids, labels)
    else:
        frame_extra = {"cluster": assigned, "probability": probability}
        if labels is not None:
            frame_extra["label"] = labels
        save_table(path, np.empty((len(assigned), 0)), [], frame_extra, ids=chosen.ids)
    click.echo(f"wrote the clusters of {len(assigned)} examples ({len(np.unique(assigned))} clusters used) to {path}")
    if labels is not None:
        scores = clustering_scores(labels, assigned)
        click.echo(f"against the labels: accuracy {scores['accuracy']:.4f}, NMI {scores['nmi']:.4f}, "
                   f"ARI {scores['ari']:.4f}")
        _baselines(run, opened, chosen, source is None, labels, assigned, _count(model, count, chosen), seed, method)


def _count(model: Any, count: int | None, chosen: Any) -> int:
    """The clusters the run's assignment has: --clusters, or q(c|x)'s own number of components."""
    if count is not None:
        return count
    from vaekit.tasks.evaluation.clustering import class_probabilities

    return int(class_probabilities(model, chosen.x[:1]).shape[1])


def _baselines(run: str, opened: Any, chosen: Any, own: bool, labels: np.ndarray, assigned: np.ndarray,
               clusters: int, seed: int, method: str) -> None:
    """k-means on the inputs and on their PCA, fitted on the run's training split with as many clusters as the
    run's, scored on the same rows (those the run did not train on): printed beside the run's accuracy, NMI and
    ARI there (`assigned`: its clusters), with the verdict."""
    import torch

    from vaekit.tasks.baselines.clustering import clustering_baselines
    from vaekit.tasks.baselines.fitting import compared_rows, training_split
    from vaekit.tasks.baselines.verdict import verdict
    from vaekit.tasks.evaluation.clustering import clustering_scores

    train = training_split(opened, chosen, own)
    keep, left_out = compared_rows(train, chosen)
    if left_out is not None:
        click.echo(left_out)
    labels = labels[keep]
    if not (labels >= 0).any():
        return
    scores = clustering_scores(labels, assigned[keep])
    if not keep.all():
        click.echo(f"on those rows: accuracy {scores['accuracy']:.4f}, NMI {scores['nmi']:.4f}, "
                   f"ARI {scores['ari']:.4f}")
    say_stage("cluster: the baselines (k-means on the inputs and on their PCA) on the same rows")
    found = clustering_baselines(train.x, chosen.x[torch.from_numpy(keep)], labels, min(clusters, len(train.x)),
                                 seed)
    click.echo(f"baselines, {clusters} clusters, fitted on the run's {len(train.x)} training rows:")
    for name, figures in found.items():
        click.echo(f"  {name}: accuracy {figures['accuracy']:.4f}, NMI {figures['nmi']:.4f}, "
                   f"ARI {figures['ari']:.4f}")
    what = "q(c|x)" if method == "posterior" else f"{method} on codes"
    found_verdict = verdict("accuracy", scores["accuracy"], {name: f["accuracy"] for name, f in found.items()},
                            about=what)
    click.echo(found_verdict.line)
    keep_verdict(run, f"cluster ({what})", found_verdict, chosen, int((labels >= 0).sum()), f"{clusters} clusters")


COMMANDS = [cluster]
