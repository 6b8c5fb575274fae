"""A categorical latent class y with a classifier q(y|x): Kingma et al.'s M2 (2014) and a Gaussian-mixture VAE
(Dilokthanakul et al. 2016, in the simplified form of Rui Shu's GMVAE).

    M2:     q(y|x) q(z|x,y),   p(y) p(z) p(x|z,y)       y a class, observed where a label is given
    GMVAE:  q(y|x) q(z|x,y),   p(y) p(z|y) p(x|z)       y a cluster, never observed; p(z|y) a learned Gaussian

p(y) is uniform over the K classes. Both are a conditional VAE (vaekit.model.conditioning: y's one-hot code joins the
posterior's features and, for M2, the decoder's input; GMVAE's per-class prior is the conditional prior) with a
classifier network beside the encoder. Where the class is not given (a label -1, or none at all) the encoder reads
the classifier's most probable class; the objective (objectives/m2.py) sums the class out instead.

    model = build_model(ModelConfig(class_latent="m2"), (1, 28, 28), num_classes=10)
    model.class_posterior(x).probs        # (B, 10): q(y|x)
    q, qy = model.encode_classes(x)        # q(z|x,y) for every y at once, batch (10, B), and q(y|x)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Categorical

from vaekit.nn.mlp import MLPEncoder

KINDS = ("m2", "gmvae")
OBSERVED = ("m2",)  # the kinds whose y is the data's label, read where given; a GMVAE's y is a cluster of its own


def reads_labels(conditional: bool, kind: str) -> bool:
    """Whether a model reads the data's labels: a conditional VAE, or a class variable the labels observe (M2).
    A figure scored against those labels would then be measured on what the model was told."""
    return conditional or kind in OBSERVED


class ClassLatent(nn.Module):
    """The classifier q(y|x) = Categorical(logits = f(x)), f an MLP with the model's hidden widths reading what the
    encoder reads, and what the kind of class variable implies for the rest of the model."""

    def __init__(self, kind: str, num_classes: int, input_shape: tuple[int, ...], hidden: list[int],
                 activation: str) -> None:
        super().__init__()
        self.kind = kind
        self.num_classes = num_classes
        self.classifier = nn.Sequential(MLPEncoder(input_shape, hidden, activation),
                                        nn.Linear(hidden[-1], num_classes))
        # N_labelled / N of the training split (the trainer sets it): M2 weighs each labelled row's -log q(y|x) by
        # classifier_weight / labelled_share, the paper's alpha = 0.1 N on a per-example scale
        self.register_buffer("labelled_share", torch.ones(()))

    @property
    def observed(self) -> bool:
        """Whether data labels are values of y (M2); a GMVAE's clusters are never given."""
        return self.kind in OBSERVED

    @property
    def in_decoder(self) -> bool:
        """Whether p(x|z, y) reads y (M2); a GMVAE's decoder reads z only, so z must carry the cluster."""
        return self.kind == "m2"

    def posterior(self, inputs: torch.Tensor) -> Categorical:
        """q(y|x) for the encoder's inputs (B, ...): a batch of B categorical distributions over K classes."""
        logits = self.classifier(inputs)
        return Categorical(logits=logits.float() if logits.dtype in (torch.bfloat16, torch.float16) else logits)

    def fill(self, y: torch.Tensor | None, inputs: torch.Tensor) -> torch.Tensor:
        """Labels for every row: the given ones (M2) and, where none is given (-1, or no labels at all), the most
        probable class under q(y|x)."""
        if not self.observed:
            y = None
        if y is not None:
            y = y.to(inputs.device).long()
            if not bool((y < 0).any()):  # every row labelled: the classifier is not needed
                return y
        guess = self.posterior(inputs).probs.argmax(-1)
        return guess if y is None else torch.where(y < 0, guess, y)
