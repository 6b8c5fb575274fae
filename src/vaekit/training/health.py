"""Training health: a clear stop when the loss diverges, a warning when the posterior collapses."""

from __future__ import annotations

import warnings

from vaekit.config import ObjectiveConfig
from vaekit.core.errors import VaekitError


class TrainingDiverged(VaekitError):
    """The loss became NaN or infinite."""

    def __init__(self, step: int, epoch: int, what: str = "the loss") -> None:
        super().__init__(f"{what} became NaN or infinite at step {step} (epoch {epoch})")
        self.step, self.epoch = step, epoch


class PosteriorCollapseWarning(UserWarning):
    """The posterior q(z|x) no longer depends on x: the decoder ignores the latent code."""


class CollapseWatch:
    """Judges posterior collapse (no active latent unit) on settled epochs only, and takes a warning back.

    Many runs pass through a collapsed phase in their first epochs, or while the KL weight warms up, and leave it:
    epochs within `grace_epochs` or during warm-up (beta below its set value, capacity still rising) are not judged.
    It warns once, when `patience` judged epochs in a row are collapsed or when the last epoch is; `final()` then
    says whether the run recovered.

        watch = CollapseWatch(latent_dim=20)
        watch.check(row, warming=beta_warming_up(config.objective, row), last_epoch=epoch == epochs)
        print(watch.final(row))      # after a warning the run recovered from: says so ('' otherwise)
    """

    def __init__(self, latent_dim: int, patience: int = 3, grace_epochs: int = 5,
                 remedies: str = "--warmup-epochs, --free-bits or a smaller --beta") -> None:
        self.latent_dim = latent_dim
        self.remedies = remedies  # the settings that help, among those the run's objective reads
        self.patience = patience
        self.grace_epochs = grace_epochs
        self.streak = 0
        self.warned_epoch = 0  # the epoch of the warning (0: none)

    @property
    def warned(self) -> bool:
        return self.warned_epoch > 0

    def check(self, row: dict[str, float], warming: bool = False, last_epoch: bool = False) -> bool:
        """True when this epoch counts as collapsed (judged or not); warns as described above."""
        collapsed = row["val_active_units"] == 0
        judged = not warming and (row["epoch"] > self.grace_epochs or last_epoch)
        self.streak = self.streak + 1 if collapsed and judged else 0
        if judged and collapsed and (self.streak >= self.patience or last_epoch) and not self.warned:
            self.warned_epoch = int(row["epoch"])
            early = "; this early, more epochs may get it out" if row["epoch"] <= self.grace_epochs else ""
            warnings.warn(f"posterior collapse at epoch {row['epoch']}: 0 of {self.latent_dim} latent units active, "
                          f"rate {row['val_rate']:.4f} nats; the decoder ignores z{early}. Try {self.remedies}",
                          PosteriorCollapseWarning, stacklevel=3)
        return collapsed

    def final(self, row: dict[str, float]) -> str:
        """The warning taken back, when the last epoch has active units again ('' otherwise)."""
        active = int(row["val_active_units"])
        if not self.warned or active == 0:
            return ""
        return (f"the posterior recovered from the collapse warned of at epoch {self.warned_epoch}: "
                f"{active} of {self.latent_dim} latent units active at epoch {row['epoch']}")


def beta_warming_up(cfg: ObjectiveConfig, row: dict[str, float]) -> bool:
    """Whether the KL term is still below its full weight at the end of this epoch: beta rising (a warm-up or a
    cyclical ramp) or the capacity target still growing. A collapse then is expected and often passes."""
    return row["beta"] < cfg.beta or (cfg.capacity > 0 and row["epoch"] < cfg.capacity_epochs)


# the settings that keep a posterior from collapsing, by the ObjectiveConfig field an objective must read for each
REMEDIES = {"warmup_epochs": "--warmup-epochs", "free_bits": "--free-bits", "beta": "a smaller --beta"}


def collapse_remedies(honours: set[str] | frozenset[str]) -> str:
    """The remedies an objective that reads `honours` can take, as words: '--warmup-epochs or a smaller --beta'
    for the iwae objective, which has no free bits."""
    found = [flag for name, flag in REMEDIES.items() if name in honours] or ["another objective"]
    return ", ".join(found[:-1]) + (" or " if len(found) > 1 else "") + found[-1]
