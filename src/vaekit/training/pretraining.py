"""What the trainer does between an objective's pretraining epochs and its own (VaDE: fit the mixture prior to the
training codes): it encodes the training data and hands the codes to the objective."""

from __future__ import annotations

import torch

from vaekit.model.vae import VAE
from vaekit.tasks.outputs import embed


@torch.no_grad()
def training_codes(model: VAE, train_x: torch.Tensor) -> torch.Tensor:
    """(N, d) posterior means of the training data, encoded in eval mode and in batches of 1000."""
    was_training = model.training
    model.eval()
    try:
        return embed(model, train_x, batch_size=1000)
    finally:
        model.train(was_training)
