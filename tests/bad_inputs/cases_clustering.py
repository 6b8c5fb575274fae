"""Bad clustering inputs: q(c|x) asked of a run without a cluster variable, a number of clusters that cannot be,
vade with parts it cannot use, pretraining that leaves no epochs or that the objective would ignore, and outputs
that could not be written as asked (an earlier clusters.csv stays as it was)."""

from __future__ import annotations

import numpy as np
import torch

from bad_inputs.case import Case, Workspace
from vaekit.runs.run import load
from vaekit.tasks.evaluation.clustering import assign_clusters, cluster_codes, clustering_scores

TRAIN = ["train", "--data", "digits", "--epochs", "2", "--out", "{root}/new"]
CLUSTER = ["cluster", "{run}"]


def _existing(w: Workspace) -> None:
    """An earlier output that a failed command must leave as it was."""
    w.write("clusters.csv", "id,cluster,probability\n0,1,1.0\n")


CASES = [
    Case("cluster-no-cluster-variable", r"this run has no cluster variable.*--method kmeans",
         [*CLUSTER, "--out", "{root}/clusters.csv"], setup=_existing),
    Case("cluster-clusters-below-two", r"--clusters must be at least 2, got 1",
         [*CLUSTER, "--method", "kmeans", "--clusters", "1", "--out", "{root}/clusters.csv"], setup=_existing),
    Case("cluster-more-clusters-than-examples", r"--clusters 5000 is more than the 180 examples",
         [*CLUSTER, "--method", "gmm", "--clusters", "5000", "--out", "{root}/clusters.csv"], setup=_existing),
    Case("cluster-bad-suffix", r"clusters\.txt: choose an output ending in \.csv, \.parquet or \.npy",
         [*CLUSTER, "--method", "kmeans", "--out", "{root}/clusters.txt"]),
    Case("cluster-data-wrong-shape", r"examples of shape \[5\] but the model .* takes \[1, 8, 8\]",
         [*CLUSTER, "--method", "kmeans", "--data", "{root}/x.npy", "--out", "{root}/clusters.csv"],
         setup=lambda w: np.save(w.path("x.npy"), np.zeros((3, 5), dtype=np.float32))),
    Case("vade-without-mixture-prior", r"vade objective needs a prior with a cluster variable.*--prior mixture",
         [*TRAIN, "--objective", "vade"]),
    Case("vade-pretraining-leaves-no-epochs", r"pretrain_epochs \(2\) leaves no epochs of the vade objective in 2",
         [*TRAIN, "--prior", "mixture", "--objective", "vade", "--pretrain-epochs", "2"]),
    Case("pretrain-ignored-by-elbo", r"pretrain_epochs is not read by the elbo objective.*applies to vade",
         [*TRAIN, "--pretrain-epochs", "1"]),
    Case("pretrain-negative", r"pretrain_epochs must be zero or positive",
         [*TRAIN, "--prior", "mixture", "--objective", "vade", "--pretrain-epochs", "-1"]),
    Case("cluster-api-no-cluster-variable", r"this run has no cluster variable",
         api=lambda w: load(w.run).class_posterior(torch.zeros(2, 1, 8, 8))),
    Case("cluster-api-clusters-with-posterior", r"--clusters is for --method kmeans or gmm",
         api=lambda w: assign_clusters(load(w.run), torch.zeros(2, 1, 8, 8), "posterior", clusters=3)),
    Case("cluster-api-unknown-method", r"unknown clustering method 'dbscan'",
         api=lambda w: cluster_codes(torch.zeros(4, 2).numpy(), "dbscan", 2)),
    Case("cluster-api-label-count-mismatch", r"3 true labels but 2 cluster assignments",
         api=lambda w: clustering_scores([0, 1, 1], [0, 1])),
    Case("cluster-api-fractional-labels", r"labels_pred must be whole numbers",
         api=lambda w: clustering_scores([0, 1], [0.5, 1.0])),
]
