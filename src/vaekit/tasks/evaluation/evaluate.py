"""One evaluation of a trained model on a data split: bounds, estimates, diagnostics, in one dictionary.

    results = vaekit.evaluate(model, vaekit.load_dataset("fashion-mnist"), k=5000)
    results["neg_log_likelihood"]["mean"]     # the k-sample importance-weighted estimate of -log p(x), nats
"""

from __future__ import annotations

import math
from typing import Any

import torch

from vaekit.config.fields import check_importance_samples, check_seed
from vaekit.core.errors import VaekitError
from vaekit.core.progress import say_stage
from vaekit.core.registry import LIKELIHOODS
from vaekit.data import Dataset
from vaekit.data.image.quantization import dequantize as dequantize_pixels
from vaekit.data.image.quantization import quantization_levels
from vaekit.likelihoods.base import Likelihood
from vaekit.model.input_checks import as_checked_data
from vaekit.model.vae import VAE
from vaekit.tasks.evaluation.clustering import clustering_results
from vaekit.tasks.evaluation.diagnostics import ACTIVE_THRESHOLD, active_units, latent_statistics
from vaekit.tasks.evaluation.disentanglement import disentanglement_scores
from vaekit.tasks.evaluation.frechet import FEATURES, frechet_distance_for
from vaekit.tasks.evaluation.importance import importance_weighted_bound
from vaekit.tasks.evaluation.probe import linear_probe_accuracy
from vaekit.tasks.evaluation.sequence import sequence_results
from vaekit.tasks.outputs import check_finite_outputs, embed


def _summary(values: torch.Tensor) -> dict[str, float]:
    """Mean and standard error of the mean of per-example values."""
    values = values.double()
    se = float(values.std() / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return {"mean": float(values.mean()), "se": se}


def _part(likelihood: str) -> type[Likelihood]:
    """The likelihood class registered under a name: what it declares decides the protocol."""
    return LIKELIHOODS.get(likelihood)


def protocol(likelihood: str, x: torch.Tensor, levels: int | None = None) -> str:
    """Which quantity the likelihood numbers are, so that they are compared only with like numbers. `levels` is
    the level count when the data were dequantized for a continuous likelihood."""
    part = _part(likelihood)
    own = part.scores(binary=bool(((x == 0) | (x == 1)).all()))
    if own is not None:
        return own
    if part.levels is not None:
        return (f"exact discrete log-likelihood of {part.levels}-level data ({likelihood} over the levels "
                f"k/{part.levels - 1}); comparable with published {(part.levels - 1).bit_length()}-bit likelihoods")
    if levels is not None:
        return (f"uniform dequantization of {levels}-level data: each value k/{levels - 1} becomes "
                f"y = (k + u)/{levels}, u ~ U[0, 1), and the bounds are on the discrete "
                f"-log P(x) <= -log p(y) + D log {levels}; "
                "comparable with published dequantized likelihoods of the same data")
    return (f"{likelihood} density of the data as given (scaled to [0, 1] for images); the data are not on a grid "
            "of discrete levels, so no dequantization applies")


def _dequantization(likelihood: str, x: torch.Tensor, requested: bool | None) -> int | None:
    """The level count to dequantize with, or None. Automatic (requested None): likelihoods that are densities
    (they declare `density`) on data whose values lie on evenly spaced levels (8-bit pixels, binary data)."""
    if requested is False:
        return None
    if not _part(likelihood).density:
        if requested:
            raise VaekitError(f"dequantization is for continuous likelihoods; a {likelihood} model scores "
                              "discrete pixels already")
        return None
    if requested is None and x.dim() < 4:  # automatic for images: tables on a grid of values stay as they are
        return None
    levels = quantization_levels(x)
    if requested and levels is None:
        raise VaekitError("dequantization needs discrete data (at most 256 evenly spaced levels in [0, 1]); these "
                          "data have real values")
    return levels


@torch.no_grad()
def evaluate(model: VAE, data: Dataset | torch.Tensor, k: int = 5000, batch_size: int = 100, seed: int = 0,
             split: str = "test", likelihood: str | None = None, progress: bool = False,
             dequantize: bool | None = None, disentanglement: bool | None = None) -> dict[str, Any]:
    """Negative ELBO, the k-sample importance-weighted estimate of -log p(x) (nats and bits per dimension, with
    standard errors), active units, KL per latent dimension, reconstruction error and, for labelled data, a
    linear-probe accuracy and clustering scores (accuracy, NMI, ARI of q(c|x) for a model with a cluster
    variable, and of k-means on the codes for any model), for text the per-token numbers and perplexities
    (evaluation/sequence.py), on the `split` of a Dataset ("train", "test", or "all"
    of it in the source's order) or on a tensor of examples. The probe (and the Frechet distance) need a
    training part: the "test" split only.

    For a continuous likelihood on discrete data (8-bit pixels, binary data) the likelihood numbers follow the
    uniform dequantization protocol, so they bound the discrete -log P(x); `dequantize` forces it on or off
    (None: automatic). The dequantization noise is seeded by `seed`, like the importance samples.

    On a Dataset that carries generative factors (sprites, dsprites) the disentanglement metrics of the split's
    posterior means are added (evaluation/disentanglement.py: mig, factor_vae_score, dci_*, sap);
    `disentanglement` forces them on (a VaekitError for data without factors) or off (None: automatic)."""
    k = check_importance_samples("k", k)  # refused before any work: the bound is in config/fields.py
    check_seed("seed", seed)
    if isinstance(data, Dataset):
        x, y, _ = data.examples(split)
    else:
        x, y = data, None
    factored = isinstance(data, Dataset) and data.has_factors
    if disentanglement and not factored:
        raise VaekitError("the disentanglement metrics need data that carry their generative factors (such as the "
                          "sprites or dsprites data sets); these data have none")
    factored = factored and disentanglement is not False
    x = as_checked_data(x, model, move=False).cpu()  # batches go to the model's device one at a time
    likelihood = likelihood or LIKELIHOODS.name_of(model.likelihood)
    levels = _dequantization(likelihood, x, dequantize)
    dims = math.prod(model.data_shape)
    # the entries p(x|z) scores per example: missing values and audio's padding frames (NaN) are not among them
    scored_dims = float((~torch.isnan(x)).sum()) / len(x)
    scored, offset = x, 0.0
    if levels is not None:  # drawn for the whole split at once, so the batch size cannot change it
        scored = dequantize_pixels(x, levels, torch.Generator().manual_seed(seed))
        offset = dims * math.log(levels)  # the density on [0, 1] to a probability of the discrete value
    labels = y if model.num_classes is not None else None  # a CVAE scores log p(x|y)
    if model.num_classes is not None and labels is None:
        raise VaekitError("a conditional VAE is evaluated on labelled data (its numbers are -log p(x|y))")
    say_stage(f"evaluate: -log p(x) of {len(x)} examples, {k} importance samples each", progress)
    estimate = importance_weighted_bound(model, scored, k, batch_size, seed, progress=progress, y=labels)
    check_finite_outputs(estimate.elbo, "ELBO values")
    say_stage("evaluate: the codes (active units, KL per dimension) and the reconstructions", progress)
    stats = latent_statistics(model, x, seed=seed, y=labels)
    nll = _summary(offset - estimate.log_likelihood)
    tokens = _part(likelihood).needs_vocabulary  # text: per-token numbers instead of per-dimension ones
    # sequences (tokens, series): padded steps and a series' mask channel are no data dimensions to average over
    sequence = _part(likelihood).autoregressive
    squared = [] if sequence else [((model.reconstruct(x[i:i + 1000].to(model.device),
                                  y=None if labels is None else labels[i:i + 1000]).cpu() - x[i:i + 1000]) ** 2
                                  ).nansum() for i in range(0, len(x), 1000)]  # missing (NaN) entries left out
    results: dict[str, Any] = {
        "split": split, "examples": len(x), "k": k, "seed": seed,
        "protocol": protocol(likelihood, x, levels), "dequantization_levels": levels,
        "neg_elbo": _summary(offset - estimate.elbo), "distortion": _summary(offset + estimate.distortion),
        "rate": _summary(estimate.rate), "neg_log_likelihood": nll,
        "bits_per_dim": {"mean": nll["mean"] / (scored_dims * math.log(2)),
                         "se": nll["se"] / (scored_dims * math.log(2))},
        "active_units": active_units(stats["mean_variance"]), "active_threshold": ACTIVE_THRESHOLD,
        "latent_dim": model.latent_dim, "kl_per_dim": stats["kl_per_dim"].tolist(),
        "posterior_mean_variance": stats["mean_variance"].tolist(),
        "reconstruction_mse": float(sum(squared) / int((~torch.isnan(x)).sum())),
    }
    if tokens:
        results.update(sequence_results(model, x, estimate))
    elif sequence:  # a series: no per-dimension figures (its numbers are per series, the length term included)
        results.update({"bits_per_dim": None, "reconstruction_mse": None})
    if y is not None and len(y[y >= 0].unique()) > 1:  # clustering needs no training part: any labelled split
        say_stage("evaluate: k-means on the codes against the labels", progress)
        results.update(clustering_results(model, x, stats["means"].numpy(), y, labels, seed))
    if factored:
        say_stage("evaluate: disentanglement metrics (MIG, FactorVAE score, DCI, SAP)", progress)
        results.update(disentanglement_scores(stats["means"].numpy(), data.factors(split).numpy(), seed=seed))
        results["factor_names"] = data.factor_names
    # the probe is fitted on training codes and scored on test codes: only an evaluation of the test split has both
    if isinstance(data, Dataset) and split == "test" and data.train_y is not None and y is not None \
            and len(data.train_y.unique()) > 1:
        say_stage("evaluate: a linear probe, fitted on the training codes", progress)
        train_codes = embed(model, data.train_x[:20_000],
                            y=None if labels is None else data.train_y[:20_000])
        results["linear_probe_accuracy"] = linear_probe_accuracy(
            train_codes.numpy(), data.train_y[:20_000].numpy(), stats["means"].numpy(), y.numpy(), seed=seed)
        if model.is_image and len(data.test_x) > FEATURES:
            # not comparable with Inception-based FID: features from vaekit's own classifier of this data set
            say_stage("evaluate: Frechet distance of samples (the first time for this data set, a small classifier "
                      "of it is trained for its features, then cached)", progress)
            results["frechet_distance"] = frechet_distance_for(model, data, seed=seed)
            # which p(z) the samples came from: a prior fitted after training (vaekit fit-prior) changes them
            results["frechet_samples_from"] = "trained prior" if model.sampling_prior is None else \
                "fitted prior (vaekit fit-prior)"
    return results
