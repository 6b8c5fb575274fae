"""Objectives. Importing registers them. Each one is a class registered in OBJECTIVES:

    objective = OBJECTIVES.get(name)(cfg: ObjectiveConfig, dataset_size: int | None = None)
    out = objective(model, x, beta=1.0, capacity=0.0) -> ObjectiveOutput

The trainer passes the training set's size (beta-TCVAE's estimator needs it) and, every step, the scheduled beta
and capacity (see schedules.py).
"""

from vaekit.objectives import beta_tcvae, denoising, elbo, factor_vae, info_vae, iwae, m2, vade, vq  # noqa: F401
from vaekit.objectives.output import ObjectiveOutput

__all__ = ["ObjectiveOutput"]
