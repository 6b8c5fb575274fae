"""Evaluation of a trained model: likelihood bounds and estimates, latent diagnostics, probes."""

from vaekit.tasks.evaluation.evaluate import evaluate
from vaekit.tasks.evaluation.importance import LikelihoodEstimate, importance_weighted_bound

__all__ = ["LikelihoodEstimate", "evaluate", "importance_weighted_bound"]
