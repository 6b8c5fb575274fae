"""What a trial is scored by, on the validation split only (never the test split), lower is better for each:

    nll         -log p(x), the importance-weighted estimate (k = 100), mean per example: how well the model
                fits data it did not train on; the default (a model with a class latent, M2 or GMVAE: its
                -ELBO, an upper bound on the same)
    elbo        the validation -ELBO of the run's best epoch: cheaper, looser
    imputation  hide 20% of the validation rows' entries (seeded), fill them in with the model: the mean squared
                error of the continuous ones in training standard deviations, plus the share of categorical and
                binary ones filled in wrong; for models meant to impute
    denoising:KIND:LEVEL
                add that noise to the validation rows (seeded, as `vaekit denoise --add-noise KIND:LEVEL`), denoise
                them with the model, knowing the noise where it can (gaussian, salt_pepper, mask: as `denoise`
                does): the mean squared error against the clean rows (PSNR's error); for models meant to denoise
    inpainting:MASK
                hide the validation images' pixels under MASK (as `vaekit inpaint --mask MASK`: lower-half,
                random:0.5, a file), fill them in: the mean squared error over the hidden pixels; images only
    clustering  the model's clusters, argmax q(c|x) where it has a cluster variable (VaDE, GMVAE), else k-means on
                the codes with as many clusters as the labels have classes: the share of labelled validation rows
                whose cluster is not their class under the best one-to-one map (one minus the accuracy `vaekit
                cluster` reports); needs labels. No figure without them ranks settings by their clusters
                (bench/cluster_criteria.py); a few labelled rows do
    classification
                a model that classifies (M2): the share of labelled validation rows whose most probable class
                under q(y|x) is not their label (one minus the accuracy `vaekit predict` reports); needs labels.
                M2's validation -ELBO, the classifier's search otherwise, does not rank settings by accuracy: on
                two tables kept aside it chose models that classified worse than the defaults (BENCHMARKS.md)

    values = CRITERIA["nll"].measure(run, held)   # held: the validation Dataset (its test split are its rows)
    criterion_of("denoising:salt_pepper:0.1")     # a criterion with its setting, checked
    float(values.mean())                          # the trial's figure; values: (rows,) where the criterion can
                                                  # say each row's part (nll, imputation), else one number
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from vaekit.config import Config
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.data.corruption import parse_noise
from vaekit.data.dataset import Dataset
from vaekit.model.class_latent import OBSERVED, reads_labels
from vaekit.runs.run import Run
from vaekit.tasks import class_predictions
from vaekit.tasks.baselines.imputation import hide_entries, imputation_row_errors, scale_of
from vaekit.tasks.denoising import add_noise, denoise
from vaekit.tasks.evaluation.clustering import assign, class_probabilities, fit_codes, matched
from vaekit.tasks.imputation import impute, method_for
from vaekit.tasks.imputation.masks import image_mask
from vaekit.tasks.known_noise import undoable
from vaekit.tasks.outputs import embed
from vaekit.tasks.scoring import score

HIDDEN_SHARE = 0.2  # the imputation criterion's share of entries hidden
IW_SAMPLES = 100  # importance samples (or, for a run trained with entries hidden, codes) per row


@dataclass(frozen=True)
class Criterion:
    label: str  # said in the history picture and the summary
    measure: Callable[[Run, Dataset], torch.Tensor]  # (rows,) each validation row's part, or () the whole
    # what it needs of the validation split and the config, checked by tune before any trial trains: a
    # ConfigError when they lack it
    check: Callable[[Dataset, Config], None] | None = None
    # whether it scores the validation rows' labels: where labels are scarce, some labelled rows are held out for it
    needs_labels: bool = False
    # whether a trial's per-epoch validation -ELBO foretells its figure, so that the pruner may stop it on that;
    # a model that fits better does not cluster better (bench/cluster_criteria.py), so a clustering search prunes none
    elbo_foretells: bool = True
    # whether the settings kept, trained again on every row, keep what the search measured (the estimators then
    # refit them); a clustering is the trained model's own: the same settings cluster the penguins from 0.74 to
    # 0.96 by the seed alone (bench/cluster_seeds.py), so there the best trial's model is the one to keep
    refit: bool = True


def _labels(run: Run, held: Dataset) -> torch.Tensor | None:
    return held.test_y if run.model.num_classes is not None else None


def negative_log_likelihood(run: Run, held: Dataset) -> torch.Tensor:
    if run.model.class_latent is not None:  # M2, GMVAE: the scores take no such model yet; its -ELBO sums y out
        return validation_elbo(run, held)
    return score(run.model, held.test_x, kind="iw", k=IW_SAMPLES, seed=0, y=_labels(run, held)).double()


def validation_elbo(run: Run, held: Dataset) -> torch.Tensor:
    rows = [row for row in run.metrics if row["epoch"] == run.best_epoch] or run.metrics[-1:]
    return torch.tensor(float(rows[0]["val_neg_elbo"]), dtype=torch.float64)


def imputation_error(run: Run, held: Dataset) -> torch.Tensor:
    """The squared RMSE of the hidden continuous entries (in training standard deviations) plus the
    share of hidden codes filled in wrong: one number to minimise, from the same measures as `impute --check`."""
    x = held.test_x
    hidden = hide_entries(x, HIDDEN_SHARE, seed=0)
    filled = impute(run.model, x.masked_fill(hidden, float("nan")), method=method_for(run.config), k=IW_SAMPLES,
                    seed=0, y=_labels(run, held))
    kinds = held.column_types
    # every entry in units of its column's training spread (arrays too: one large column must not decide)
    spread = scale_of(held.train_x, kinds if kinds is not None else ["continuous"] * held.train_x[0].numel())
    return torch.from_numpy(imputation_row_errors(x, filled, hidden, kinds, spread))


def _squared_error_rows(guess: torch.Tensor, truth: torch.Tensor, where: torch.Tensor) -> torch.Tensor:
    """Each row's squared error over `where`, scaled so that the rows' mean is the mean squared error over every
    entry `where` marks (rows with more marked entries weigh more, as in one PSNR of them all)."""
    errors = ((guess.double() - truth.double()) ** 2 * where).flatten(1).sum(1)
    return errors * len(errors) / max(int(where.sum()), 1)


def denoising_error(noise: str) -> Callable[[Run, Dataset], torch.Tensor]:
    """The validation rows with `noise` added (seeded: every trial sees the same noisy rows) restored by the model,
    against the clean rows: what `vaekit denoise --add-noise` reports as PSNR, as an error to minimise."""
    def measure(run: Run, held: Dataset) -> torch.Tensor:
        clean = held.test_x
        restored = denoise(run.model, add_noise(run.model, clean, noise, seed=0), y=_labels(run, held),
                           noise=undoable(noise))
        return _squared_error_rows(restored, clean, torch.ones_like(clean, dtype=torch.bool))
    return measure


def inpainting_error(mask: str) -> Callable[[Run, Dataset], torch.Tensor]:
    """The validation images' pixels under `mask` hidden and filled in as `vaekit inpaint` fills them in (the
    method the run's training suits): the squared error over the hidden pixels."""
    def measure(run: Run, held: Dataset) -> torch.Tensor:
        clean = held.test_x
        missing = image_mask(mask, tuple(clean.shape), seed=0)
        filled = impute(run.model, clean.masked_fill(missing, float("nan")), method=method_for(run.config), seed=0,
                        y=_labels(run, held))
        return _squared_error_rows(filled, clean, missing)
    return measure


def _classes(data: Dataset) -> int:
    """How many classes the labelled rows of both splits have (-1 marks an unlabelled row)."""
    if data.train_y is None or data.test_y is None:
        return 0
    labels = torch.cat([data.train_y, data.test_y])
    return len(torch.unique(labels[labels >= 0]))


def _validation_clusters(run: Run, held: Dataset) -> np.ndarray:
    """Each validation row's cluster: argmax q(c|x) of a model with a cluster variable (as `vaekit cluster` by
    default); else k-means, one cluster per class, fitted on the codes of the rows the trial trained on (not on the
    rows it scores), each validation row's code assigned to its nearest centre."""
    model = run.model  # a model that reads labels is refused (_labelled_classes); a GMVAE's clusters bind none
    if model.has_cluster_variable:
        return class_probabilities(model, held.test_x).argmax(-1).numpy()
    centres = fit_codes(embed(model, held.train_x).double().numpy(), "kmeans", _classes(held), seed=0)
    return assign(centres, embed(model, held.test_x).double().numpy())[0]


def clustering_error(run: Run, held: Dataset) -> torch.Tensor:
    """Each labelled validation row: 1 where its cluster is not its class under the best one-to-one map of
    clusters to classes, else 0 (the mean: one minus the clustering accuracy)."""
    labelled = held.test_y >= 0
    if not bool(labelled.any()):
        raise VaekitError("criterion clustering: none of the validation rows is labelled; label a few of each class "
                          "or give a larger --validation share")
    clusters = _validation_clusters(run, held)
    right = matched(held.test_y[labelled].numpy(), clusters[labelled.numpy()])
    return torch.from_numpy(~right).double()


def _labelled_classes(held: Dataset, config: Config) -> None:
    _labelled_validation("clustering", held)
    if reads_labels(config.model.conditional, config.model.class_latent):
        raise ConfigError("criterion clustering scores clusters a model finds without labels; this model reads "
                          "them (a conditional VAE or M2): its figure would be the labels it was given")


def classification_error(run: Run, held: Dataset) -> torch.Tensor:
    """Each labelled validation row: 1 where q(y|x)'s most probable class is not its label, else 0 (the mean: one
    minus the accuracy)."""
    labelled = held.test_y >= 0
    guesses = class_predictions.class_probabilities(run.model, held.test_x[labelled]).argmax(-1)
    return (guesses != held.test_y[labelled]).double()


def _labelled_validation(name: str, held: Dataset) -> None:
    if _classes(held) < 2:
        raise ConfigError(f"criterion {name} scores the validation rows against their labels; this data has no "
                          "labels of two classes or more (give --label-column, or a labelled source)")
    if not bool((held.test_y >= 0).any()):
        raise ConfigError(f"criterion {name}: none of the validation rows is labelled; label more rows or give a "
                          "larger --validation share")


def _classifies(held: Dataset, config: Config) -> None:
    if config.model.class_latent not in OBSERVED:
        raise ConfigError("criterion classification scores q(y|x), the classes a model predicts; this model has "
                          "no classifier (give --class-latent m2 with labels)")
    _labelled_validation("classification", held)


CRITERIA = {
    "nll": Criterion("validation -log p(x) (nats)", negative_log_likelihood),
    "elbo": Criterion("validation -ELBO (nats)", validation_elbo),
    "imputation": Criterion("validation imputation error", imputation_error),
    "clustering": Criterion("validation clustering error (1 - accuracy)", clustering_error,
                            check=_labelled_classes, needs_labels=True, elbo_foretells=False, refit=False),
    # the settings kept are trained again with every label: the validation rows hold a fifth of the few there are
    "classification": Criterion("validation classification error (1 - accuracy)", classification_error,
                                check=_classifies, needs_labels=True, elbo_foretells=False),
}

# the criteria that take a setting after a colon: name -> an example of it, for the errors
WITH_SETTING = {"denoising": "denoising:salt_pepper:0.1", "inpainting": "inpainting:lower-half"}


def criterion_of(spec: str) -> Criterion:
    """The criterion `spec` names: one of CRITERIA, or denoising:KIND:LEVEL / inpainting:MASK with its setting
    checked (a ConfigError naming the choices otherwise)."""
    if spec in CRITERIA:
        return CRITERIA[spec]
    name, _, setting = str(spec).partition(":")
    choices = ", ".join([*CRITERIA, *WITH_SETTING.values()])
    if name not in WITH_SETTING:
        raise ConfigError(f"unknown criterion {spec!r}; choose one of: {choices}")
    if not setting:
        raise ConfigError(f"criterion {name} takes a setting after a colon, for example {WITH_SETTING[name]}")
    if name == "denoising":
        parse_noise(setting)  # refused here, before any trial trains
        return Criterion(f"validation denoising error ({setting}), mean squared", denoising_error(setting))

    def images_under_mask(data: Dataset, config: Config) -> None:
        if data.kind != "image" or len(data.shape) != 3:
            raise ConfigError(f"criterion {spec} fills in masked pixels of images; this data is {data.kind} "
                              f"data of shape {tuple(data.shape)}")
        try:
            image_mask(setting, (1, *data.shape))  # a name, random:P, or a file of the images' size
        except VaekitError as error:
            raise ConfigError(f"criterion {spec}: {error}") from None

    return Criterion(f"validation inpainting error ({setting}), mean squared", inpainting_error(setting),
                     check=images_under_mask)
