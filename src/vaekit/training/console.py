"""The line each epoch prints, naming what it trained: the objective's own bound first where it declares one (an
IWAE's ELBO may fall while the bound it optimises rises), and pretraining epochs as such (VaDE).

    epoch_line(row, bound="IW bound")
    # epoch 3: train -IW bound 95.12  validation -IW bound 96.40 nats; -ELBO: validation 99.87 (distortion ...
    epoch_line(row, pretraining=("pretraining an autoencoder", 5))
    # pretraining epoch 3 of 5 (pretraining an autoencoder): train loss 40.21  validation -ELBO ...
"""

from __future__ import annotations


def epoch_line(row: dict[str, float], bound: str | None = None,
               pretraining: tuple[str, int] | None = None, watched: tuple[str, str] | None = None) -> str:
    """`watched`: (label, column) of the figure a Watch puts in the row (training/watch.py), said after the speed."""
    speed = f"  {row['examples_per_s']:.0f} examples/s"
    if watched is not None and watched[1] in row:  # the figure early stopping follows: the one a user watches
        speed += f"; {watched[0]} {row[watched[1]]:.4g}"
    terms = (f"(distortion {row['val_distortion']:.2f} + rate {row['val_rate']:.2f})")
    if pretraining is not None:
        what, epochs = pretraining
        return (f"pretraining epoch {int(row['epoch'])} of {epochs} ({what}): train loss {row['train_loss']:.2f}  "
                f"validation -ELBO {row['val_neg_elbo']:.2f} {terms} nats{speed}")
    head = f"epoch {int(row['epoch'])}: "
    if bound is not None and "val_loss" in row:
        # the training figure is the bound only at beta = 1 (a KL warm-up weighs it otherwise)
        train = f"train -{bound} {row['train_loss']:.2f}" if row.get("beta", 1.0) == 1.0 else \
            f"train loss {row['train_loss']:.2f} (beta {row['beta']:.2g})"
        return (f"{head}{train}  validation -{bound} {row['val_loss']:.2f} nats; -ELBO: validation "
                f"{row['val_neg_elbo']:.2f} {terms}{speed}")
    return (f"{head}train -ELBO {row['train_neg_elbo']:.2f}  validation -ELBO {row['val_neg_elbo']:.2f} {terms} "
            f"nats{speed}")
