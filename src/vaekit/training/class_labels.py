"""Training labels with gaps (-1: unlabelled) for a model with a class latent (M2), before the first step.

M2 learns its classifier from the labelled rows, which may be 100 among 60,000. As in the paper's code (a labelled
and an unlabelled minibatch each step), every batch should hold about as many labelled rows as unlabelled ones:
the labelled rows are repeated floor(N_unlabelled / N_labelled) times in the training tensors, which costs little,
since an unlabelled row runs the decoder K times and a labelled row once.

    check_class_labels(model, tensors, data.name)   # before the first step
    tensors = prepare_class_labels(model, tensors)
"""

from __future__ import annotations

import dataclasses

import torch

from vaekit.core.errors import DataError
from vaekit.model.vae import VAE
from vaekit.training.data_prep import DeviceData


def check_class_labels(model: VAE, tensors: DeviceData, name: str) -> None:
    """Labels with gaps are refused unless the model sums the class out; M2 needs some labelled rows."""
    labels = tensors.train_y
    if model.class_latent is None:
        if labels is not None and bool((labels < 0).any()):
            raise DataError(f"the training labels of {name} have gaps (-1 or empty cells: unlabelled rows); only a "
                            "model that sums the class out takes them: train with --class-latent m2 --objective m2")
    elif model.class_latent.observed and labels is not None and not bool((labels >= 0).any()):
        raise DataError(f"class_latent m2 needs labelled training rows, but every training label of {name} is -1; "
                        "label some rows, or train a clustering model (--class-latent gmvae)")


def prepare_class_labels(model: VAE, tensors: DeviceData) -> DeviceData:
    """The training tensors for M2: the labelled rows repeated and their share N_labelled / N recorded on the
    model (it sets alpha); the tensors as they are for other models."""
    labels = tensors.train_y
    if model.class_latent is None or not model.class_latent.observed or labels is None:
        return tensors  # a GMVAE's clusters are not the labels
    labelled = labels >= 0
    count = int(labelled.sum())
    model.class_latent.labelled_share.fill_(count / len(labels))
    copies = (len(labels) - count) // count
    if copies <= 1:
        return tensors
    rows = labelled.nonzero().squeeze(1).repeat(copies - 1)
    return dataclasses.replace(tensors, train_x=torch.cat([tensors.train_x, tensors.train_x[rows]]),
                               train_y=torch.cat([labels, labels[rows]]))
