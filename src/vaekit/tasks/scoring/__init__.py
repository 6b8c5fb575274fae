"""Per-example anomaly and out-of-distribution scores of a trained VAE, all "higher = more anomalous":

    elbo              -ELBO (nats), `samples` seeded posterior draws
    iw                -log p(x) (nats), the importance-weighted bound with k samples
    reconstruction    squared error of the reconstruction at the posterior mean
    rate              KL(q(z|x) || p(z)) (nats)
    complexity        -log2 p(x) - PNG bits (Serra et al. 2020), images only
    likelihood_ratio  -(log p(x) - log p_background(x)) (Ren et al. 2019), given a background model

    from vaekit.tasks.scoring import score_many
    scores = score_many(model, x, "iw,complexity", k=100)
    score(model, x, kind="rate")

A sum of kinds, each standardized by its median and IQR on training rows ("iw+reconstruction", the anomaly
detector's default): combined.py.
"""

# importing the kinds registers each under its name
from vaekit.tasks.scoring import complexity, elbo, iw, likelihood_ratio, rate, reconstruction  # noqa: F401
from vaekit.tasks.scoring.combined import combine, combined_kinds, fit_reference, score_parts
from vaekit.tasks.scoring.compute import parse_kinds, score, score_many
from vaekit.tasks.scoring.kind import SCORES, ScoreKind, check_kind, default_kinds

__all__ = ["SCORES", "ScoreKind", "check_kind", "combine", "combined_kinds", "default_kinds", "fit_reference",
           "parse_kinds", "score", "score_many", "score_parts"]
