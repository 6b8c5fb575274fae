"""Choosing settings on a validation split with Optuna: `tune` (tuning/tune.py), the space the parts declare
(tuning/space.py), the criteria (tuning/criteria.py), the study's storage (tuning/study.py)."""

from vaekit.tuning.tune import tune

__all__ = ["tune"]
