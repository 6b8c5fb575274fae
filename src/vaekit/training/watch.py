"""A figure that early stopping follows instead of the validation -ELBO: the use's own, measured on data the
model does not train on, when the -ELBO on validation rows is the wrong guide or there are no rows to spare.

    watch = Watch("hidden_error", "the hidden entries' error", lambda model: float(error_of(model)))
    run = train(config, folder, data=data, watch=watch)   # each row gets "val_hidden_error"; the best epoch is
                                                          # the lowest of it, and early stopping counts on it

The imputer is the case (training/hidden_entries.py, train.stop_on: hidden-entries): it trains on every row it is
given and keeps a share of their observed entries back, so its epoch is chosen by how well it fills in entries it
never saw. With a watch no validation rows are carved from the training split (setup.py): the figure needs none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from vaekit.model.vae import VAE


@dataclass(frozen=True)
class Watch:
    key: str  # the metrics row's column: "val_" + key
    label: str  # what early stopping's reason calls the figure
    measure: Callable[[VAE], float]  # lower is better; called once an epoch, in eval mode, without gradients

    @property
    def column(self) -> str:
        return f"val_{self.key}"

    def __call__(self, model: VAE) -> float:
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                return float(self.measure(model))
        finally:
            model.train(was_training)
