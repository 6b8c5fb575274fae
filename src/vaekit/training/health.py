"""Training health: a clear stop when the loss diverges, a warning when the posterior collapses."""

from __future__ import annotations

import warnings

from vaekit.errors import VaekitError

# a latent code that carries less than this many nats per dimension on average carries next to nothing
COLLAPSED_RATE_PER_DIM = 0.01


class TrainingDiverged(VaekitError):
    """The loss became NaN or infinite."""

    def __init__(self, step: int, epoch: int, what: str = "the loss") -> None:
        super().__init__(f"{what} became NaN or infinite at step {step} (epoch {epoch})")
        self.step, self.epoch = step, epoch


class PosteriorCollapseWarning(UserWarning):
    """The posterior q(z|x) no longer depends on x: the decoder ignores the latent code."""


class CollapseWatch:
    """Warns once per run when validation shows no active unit or a rate near 0 for `patience` epochs in a row,
    or at the last epoch. (Many runs pass through a collapsed phase in their first epochs and leave it.)"""

    def __init__(self, latent_dim: int, patience: int = 3) -> None:
        self.latent_dim = latent_dim
        self.patience = patience
        self.streak = 0
        self.warned = False

    def check(self, row: dict[str, float], last_epoch: bool = False) -> bool:
        collapsed = row["val_active_units"] == 0 or row["val_rate"] < COLLAPSED_RATE_PER_DIM * self.latent_dim
        self.streak = self.streak + 1 if collapsed else 0
        if collapsed and (self.streak >= self.patience or last_epoch) and not self.warned:
            self.warned = True
            warnings.warn(f"posterior collapse at epoch {row['epoch']}: {row['val_active_units']} active latent "
                          f"units, rate {row['val_rate']:.4f} nats; the decoder ignores z. Try --warmup-epochs, "
                          "--free-bits or a smaller --beta", PosteriorCollapseWarning, stacklevel=3)
        return collapsed
