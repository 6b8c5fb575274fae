"""The settings to start from for each goal, asked of the data's profile, each with the reason a user can check.

    advice = advise(profile, "impute")
    advice.settings   # {"missing": "model", "objective": "iwae", "iw_samples": 5, ...}: vaekit train's flags
    advice.reasons    # [("--missing model", "the encoder sees which entries are observed (MIWAE)"), ...]
    advice.then       # the commands to run on the trained run, with the baseline each prints

Every figure behind a reason is in BENCHMARKS.md; the goal's command prints its own baseline on the user's data,
so the advice is checked where it is taken.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vaekit.advice.profile import DataProfile
from vaekit.config import ObjectiveConfig
from vaekit.model.auto_latent import imputation_latent
from vaekit.parts import REGISTRIES

GOALS = ("generate", "anomaly", "impute", "cluster", "compress", "represent")
OUT = "runs/{goal}"


@dataclass
class Advice:
    goal: str
    settings: dict[str, Any] = field(default_factory=dict)  # vaekit train's flag (dashes as _) -> value
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (flag and value, why)
    then: list[str] = field(default_factory=list)  # commands on the trained run, RUN standing for its folder
    warnings: list[str] = field(default_factory=list)  # why this goal may not suit these data
    criterion: str = "nll"  # what a search (vaekit tune --criterion) should score for this goal

    def set(self, name: str, value: Any, why: str) -> None:
        """Advise `name` = value, for a reason; a goal's advice replaces the data's (its reason too)."""
        if name in self.settings:
            self.reasons = [reason for reason in self.reasons if reason[0] != _flag(name, self.settings[name])]
        self.settings[name] = value
        self.reasons.append((_flag(name, value), why))

    def flags(self, source: str) -> str:
        """`--data SOURCE` and the advised settings as vaekit train's flags."""
        return " ".join([f"--data {source}", *(_flag(name, value) for name, value in self.settings.items())])

    def command(self, source: str, out: str | None = None) -> str:
        return f"vaekit train {self.flags(source)} --out {out or OUT.format(goal=self.goal)}"

    def next_commands(self, source: str, out: str | None = None) -> list[str]:
        """`then`, with RUN, {source} and {flags} filled in."""
        run = out or OUT.format(goal=self.goal)
        return [line.replace("RUN", run).replace("{source}", source).replace("{flags}", self.flags(source))
                for line in self.then]


def _flag(name: str, value: Any) -> str:
    """A setting as vaekit train's flag: --name-with-dashes, then its value (a list comma-joined; none for True)."""
    shown = "" if value is True else f" {','.join(map(str, value)) if isinstance(value, list) else value}"
    return f"--{name.replace('_', '-')}{shown}"


def advise(profile: DataProfile, goal: str = "generate") -> Advice:
    """The advice for `goal` (one of GOALS) on data of this profile."""
    advice = Advice(goal)
    _model(profile, advice)
    GOAL_ADVICE[goal](profile, advice)
    _keep_what_the_objective_reads(advice)
    if profile.small:
        criterion = "" if advice.criterion == "nll" else f" --criterion {advice.criterion}"
        advice.then.append("vaekit tune {flags}" + criterion + " --minutes 5 --out runs/tuned   # on few rows the "
                           "settings matter most: a search on a validation share, kept only where it beats these "
                           "clearly")
    return advice


def _keep_what_the_objective_reads(advice: Advice) -> None:
    """Leave out the objective settings the goal's objective does not read (a text model's free bits under
    VaDE's bound), as the objective declares (objectives/base.py honours): train would refuse them."""
    objective = REGISTRIES["objective"].get(advice.settings.get("objective", ObjectiveConfig().name))
    own = {item.name for item in dataclasses.fields(ObjectiveConfig)} - {"name"}
    unread = [name for name in advice.settings if name in own and name not in objective.honours]
    for name in unread:
        del advice.settings[name]
    flags = {f"--{name.replace('_', '-')}" for name in unread}
    advice.reasons = [(flag, why) for flag, why in advice.reasons if flag.split()[0] not in flags]


def _model(profile: DataProfile, advice: Advice) -> None:
    """What every goal starts from: the network and likelihood for the kind of data."""
    if profile.kind == "text":
        advice.set("network", "rnn", "sentences: a recurrent encoder and decoder")
        advice.set("word_dropout", 0.1, "drops words from the decoder's input, so that it must read z (Bowman et "
                   "al. 2016); with free bits and a KL warm-up it keeps the code in use")
        advice.set("free_bits", 0.07, "a floor on each dimension's KL: the code does not collapse early")
        advice.set("warmup_epochs", 3, "the KL weight rises from 0 over the first epochs")
    elif profile.kind == "audio":
        advice.set("network", "spectrogram", "log-mel spectrograms: a convolutional network over time and mel bands")
        advice.set("likelihood", "gaussian", "log-mel values are real numbers in decibels")
    elif profile.kind == "series":
        advice.set("network", "rnn", "series of varying length: a recurrent network that also models each end")
    elif profile.kind == "vector" and profile.column_types and set(profile.column_types) != {"continuous"}:
        advice.set("likelihood", "mixed", "binary and categorical columns get their own distributions (Bernoulli, "
                   "categorical), the numbers a Gaussian")
    elif profile.kind == "vector" and profile.values != "real":
        advice.set("likelihood", "continuous_bernoulli", "every value lies in [0, 1] (intensities, shares): the "
                   "density on [0, 1], on the values as they are, as training chooses for such rows")
    elif profile.kind == "vector":
        advice.set("likelihood", "gaussian", "real-valued columns, standardized by the trainer (each column in its "
                   "own units)")
    if profile.missing:
        advice.set("missing", "model", "the data have missing entries: the likelihood scores the observed ones and "
                   "the encoder sees which they are (MIWAE)")


def _grey_likelihood(profile: DataProfile, advice: Advice, why: str) -> None:
    if profile.kind == "image" and profile.values in ("unit", "8-bit"):
        advice.set("likelihood", "continuous_bernoulli", why)


def _generate(profile: DataProfile, advice: Advice) -> None:
    if profile.kind == "image":
        advice.reasons.append(("(likelihood auto: bernoulli)", "images in [0, 1] as the classic VAE models them: its "
                               "means make clear samples; its numbers on grey levels are cross-entropies, comparable "
                               "only with numbers computed the same way"))
    advice.then += ["vaekit sample RUN -n 64 --out samples.png", "vaekit evaluate RUN   # -log p(x), active units; "
                    "for labelled images a Frechet distance of the samples"]


def _anomaly(profile: DataProfile, advice: Advice) -> None:
    _grey_likelihood(profile, advice, "grey levels in [0, 1]: a density of them, so that -log p(x) compares like "
                     "with like (Bernoulli's cross-entropy grows with how grey an image is)")
    labelled = " --anomalous-classes CLASSES   # AUROC beside PCA reconstruction error and IsolationForest" \
        if profile.classes else ""
    advice.then += [f"vaekit score RUN --kind iw,reconstruction{labelled}",
                    "python: vaekit.VAEAnomalyDetector().fit(X).decision_function(X_new)   # the two scores, "
                    "standardized on the training rows and summed (its default)"]


def _impute(profile: DataProfile, advice: Advice) -> None:
    if profile.kind == "text":
        advice.warnings.append("vaekit impute fills in missing entries of tables, arrays, images and series; a "
                               "sentence has no missing entries to fill in")
        return
    if "missing" not in advice.settings:
        advice.set("missing", "model", "the encoder sees which entries are observed (MIWAE), so it imputes from "
                   "whatever a row has")
    if profile.kind == "image" and not profile.missing:  # complete images, whose holes come later: inpainting
        _inpaint(advice)
        return
    if profile.kind == "vector" and advice.settings.get("likelihood") == "continuous_bernoulli":
        advice.set("likelihood", "gaussian", "to fill in, VAEImputer's likelihood: the continuous Bernoulli's mean "
                   "stays away from 0 and 1 (it fills a column of zeros with about 0.06), a Gaussian on "
                   "standardized columns does not (bench/stop_on.py --likelihood)")
    if profile.kind == "vector":
        advice.set("latent_dim", imputation_latent(math.prod(profile.shape)),
                   "a quarter of the columns, 4 to 16: on 30 and 64 columns a code of 4 filled in worse than "
                   "IterativeImputer and KNNImputer, and 8 and 16 better (bench/imputer_latent.py)")
    advice.set("objective", "iwae", "the importance-weighted bound of MIWAE (Mattei and Frellsen 2019)")
    advice.set("iw_samples", 5, "samples of the bound: tighter than the ELBO at five times the decoding")
    advice.set("stop_on", "hidden-entries", "the epochs that fill in best: a first run hides a fifth of the known "
               "entries and stops where filling them in stops improving, then the run trains on every entry that "
               "long (the -ELBO of rows held out is a poor guide to filling in: BENCHMARKS.md)")
    advice.criterion = "imputation"
    filled = "filled.csv" if profile.kind == "vector" else "filled.npy"
    advice.then += [f"vaekit impute RUN --data {{source}} --check 0.2 --out {filled}   # hides a fifth of the known "
                    "entries and scores the fill-in beside the column mean and IterativeImputer",
                    "python: vaekit.VAEImputer().fit_transform(X)   # its defaults: the epochs chosen on hidden "
                    "entries, fill-ins kept in each column's range"]


def _inpaint(advice: Advice) -> None:
    """Complete images to fill holes in later: a model trained to fill in (VAEAC's idea)."""
    advice.set("objective", "denoising", "trains on images with part of each hidden (the corruption below) and "
               "scores the whole image")
    advice.set("corruption", "hide", "hides random pixels, a rectangle or a half of each image from the encoder, "
               "which reads which pixels are there: the model learns p(hidden | visible), as VAEAC does, and fills in "
               "with its encoder; on the lower halves of 2,000 MNIST and Fashion-MNIST images it beats KNNImputer, "
               "where a model of whole images does not (BENCHMARKS.md, inpainting)")
    advice.set("corruption_level", 0.5, "the share of pixels (or of the area) hidden: the level measured")
    advice.criterion = "inpainting:lower-half"
    advice.then += ["vaekit inpaint RUN --mask lower-half -n 16 --out inpainted.png   # the run fills in with its "
                    "encoder, beside the median filter, PCA and KNNImputer (--mask random:0.5 or a file: your holes)"]


def _cluster(profile: DataProfile, advice: Advice) -> None:
    components = profile.classes or 10
    advice.set("prior", "mixture", "a mixture-of-Gaussians prior: one component per cluster (VaDE)")
    advice.set("prior_components", components, "the number of clusters" + (" (the labels' classes)" if
                                                                               profile.classes else
                                                                               ": 10 when it is not known"))
    advice.set("objective", "vade", "the VaDE bound, which assigns each example to a component")
    advice.set("pretrain_epochs", 10, "an autoencoder first, whose codes the mixture is fitted to: VaDE's "
               "initialisation, without which components collapse")
    advice.then += ["vaekit cluster RUN --out clusters.csv   # with labels: accuracy beside k-means on the inputs "
                    "and on PCA", "vaekit cluster RUN --method kmeans --out kmeans.csv   # k-means on the codes "
                    "instead of the mixture"]
    if (profile.classes or 0) >= 2:  # a search by -log p(x) kept worse clusters; labelled validation rows choose well
        advice.criterion = "clustering"


def _compress(profile: DataProfile, advice: Advice) -> None:
    if profile.kind != "image":
        advice.warnings.append("vaekit compress codes binary or 8-bit images losslessly; these data are "
                               f"{profile.kind} data: there is nothing it can code exactly")
        return
    if profile.values == "binary":
        advice.set("likelihood", "bernoulli", "binary pixels: the exact probability of each, which bits-back coding "
                   "turns into a code length")
    elif profile.values == "8-bit":
        advice.set("likelihood", "discretized_logistic", "8-bit levels: a probability for each of the 256 levels")
    else:
        advice.set("binarize", "static", "grey levels that are not 8-bit: compressed as binary images (binarized "
                   "once, seeded); the same binarization gives the files to compress")
        advice.set("likelihood", "bernoulli", "binary pixels after binarizing")
    advice.then += ["vaekit compress RUN --split test --out test.vkz   # bits per dimension beside the -ELBO",
                    "vaekit decompress RUN test.vkz --out back.npy"]


def _represent(profile: DataProfile, advice: Advice) -> None:
    advice.set("latent_dim", 2 if profile.rows < 5_000 else 16,
               "two dimensions to plot the codes (vaekit plot latent)" if profile.rows < 5_000 else
               "enough dimensions for a linear probe to read the classes; 2 to plot them")
    advice.then += ["vaekit embed RUN --out codes.csv",
                    "vaekit evaluate RUN   # with labels: a linear probe and k-means on the codes, beside the same "
                    "on the raw inputs"]


GOAL_ADVICE: dict[str, Callable[[DataProfile, Advice], None]] = {
    "generate": _generate, "anomaly": _anomaly, "impute": _impute, "cluster": _cluster, "compress": _compress,
    "represent": _represent}
