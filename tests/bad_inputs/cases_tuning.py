"""`vaekit tune` and vaekit.tuning.tune: budgets, ranges, criteria and studies that cannot be searched, each refused
in one line before any trial trains (the study folder is made only once the search can start)."""

from __future__ import annotations

from bad_inputs.case import Case, Workspace
from vaekit import VAEClassifier, VAEEmbedder
from vaekit.tuning import tune

TINY = ["--data", "digits", "--epochs", "1", "--hidden", "8", "--out", "{root}/study"]


def other_study(w: Workspace) -> None:
    """A study of one trial, searching lr alone."""
    tune({"data": {"source": "digits"}, "model": {"hidden": [8], "latent_dim": 2},
          "train": {"epochs": 1, "batch_size": 128}, "objective": {"warmup_epochs": 0.0}},
         w.path("study"), trials=1, progress=False)


def unlabelled_table(w: Workspace) -> None:
    """t.csv: 60 rows of two numeric columns, no labels."""
    w.write("t.csv", "a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(60)))


CASES = [
    Case("tune-zero-trials", r"--trials must be a whole number of at least 1, got '0'",
         ["tune", *TINY, "--trials", "0"]),
    Case("tune-negative-minutes", r"--minutes must be more than 0", ["tune", *TINY, "--minutes", "-1"]),
    Case("tune-minutes-not-a-number", r"--minutes must be a number of minutes", ["tune", *TINY, "--minutes", "soon"]),
    Case("tune-space-unknown-setting", r"--space names 'beta', which this model does not search; it searches .*lr",
         ["tune", *TINY, "--space", "beta=1:4"]),
    Case("tune-space-reversed-range", r"a search range needs finite LOW <= HIGH, got '1e-2:1e-4'",
         ["tune", *TINY, "--space", "lr=1e-2:1e-4"]),
    Case("tune-space-not-a-range", r"--space takes NAME=LOW:HIGH", ["tune", *TINY, "--space", "lr"]),
    Case("tune-space-fixed-and-narrowed", r"lr is both given \(fixed\) and narrowed",
         ["tune", *TINY, "--lr", "0.001", "--space", "lr=1e-4:1e-3"]),
    Case("tune-space-whole-number", r"this setting is a whole number", ["tune", *TINY, "--space", "latent_dim=2.5:8"]),
    Case("tune-validation-fraction", r"the validation fraction must be between 0 and 1, got 1.5",
         ["tune", *TINY, "--validation", "1.5"]),
    Case("tune-nothing-to-search", r"nothing to search: every setting this model would search is given",
         ["tune", *TINY, "--lr", "0.001", "--batch-size", "64", "--latent-dim", "2", "--warmup-epochs", "0"]),
    Case("tune-study-of-other-settings", r"the study 'vaekit' in .* searched other settings \(.*space.*\)",
         ["tune", "--data", "digits", "--epochs", "1", "--hidden", "8", "--latent-dim", "2", "--out", "{root}/study"],
         setup=other_study, changes=("study/study.db",)),
    Case("tune-study-of-other-fixed-values", r"the study 'vaekit' in .* searched other settings \(fixed differ\)",
         ["tune", "--data", "digits", "--epochs", "2", "--hidden", "8", "--latent-dim", "2", "--batch-size", "128",
          "--warmup-epochs", "0", "--out", "{root}/study"], setup=other_study, changes=("study/study.db",)),
    Case("tune-storage-unknown", r"cannot open the study storage bogus://x",
         ["tune", *TINY, "--storage", "bogus://x"]),
    Case("tune-api-no-budget", r"give a budget: a number of trials, minutes, or both",
         api=lambda w: tune({"data": {"source": "digits"}}, w.path("s"), trials=None)),
    Case("tune-api-unknown-criterion", r"unknown criterion 'auc'; choose one of: nll, elbo, imputation",
         api=lambda w: tune({"data": {"source": "digits"}}, w.path("s"), criterion="auc")),
]

CASES += [
    # the use's own criteria take a setting, checked with the data before a trial trains
    Case("tune-criterion-unknown", r"^error: unknown criterion 'psnr'; choose one of: nll, elbo, imputation, "
         r"clustering, classification, denoising:salt_pepper:0\.1, inpainting:lower-half$",
         ["tune", "--data", "digits", "--criterion", "psnr", "--trials", "1", "--out", "{root}/X"]),
    Case("tune-criterion-noise-unknown", r"^error: unknown corruption 'speckle'; choose one of: none, ",
         ["tune", "--data", "digits", "--criterion", "denoising:speckle:0.1", "--trials", "1", "--out", "{root}/X"]),
    Case("tune-criterion-without-setting", r"^error: criterion denoising takes a setting after a colon, for example "
         r"denoising:salt_pepper:0\.1$", ["tune", "--data", "digits", "--criterion", "denoising", "--out", "{root}/X"]),
    Case("tune-criterion-inpainting-a-table", r"^error: criterion inpainting:lower-half fills in masked pixels of "
         r"images; this data is vector data of shape \(2,\)$",
         ["tune", "--data", "{root}/t.csv", "--criterion", "inpainting:lower-half", "--out", "{root}/X"],
         setup=unlabelled_table),
    Case("tune-criterion-mask-missing", r"^error: criterion inpainting:.*nope\.npy: --mask .*nope\.npy: not "
         r"lower-half, upper-half",
         ["tune", "--data", "digits", "--criterion", "inpainting:{root}/nope.npy", "--out", "{root}/X"]),
    Case("tune-criterion-clustering-unlabelled", r"^error: criterion clustering scores the validation rows "
         r"against their labels; this data has no labels of two classes or more",
         ["tune", "--data", "{root}/t.csv", "--criterion", "clustering", "--out", "{root}/X"],
         setup=unlabelled_table),
    Case("tune-criterion-classification-without-classifier", r"^error: criterion classification scores q\(y\|x\), "
         r"the classes a model predicts; this model has no classifier \(give --class-latent m2 with labels\)$",
         ["tune", "--data", "digits", "--criterion", "classification", "--out", "{root}/X"]),
    Case("api-embedder-clustering-search-without-labels", r"^tune_criterion='clustering' scores the validation "
         r"rows' labels: give them, fit\(X, y\), with -1 for a row that has none$",
         api=lambda w: VAEEmbedder(tune_trials=1, tune_criterion="clustering").fit([[0.0, 1.0]] * 20)),
    # a classifier's search scores a fifth of the labels; with two labels among forty rows, none is in that fifth
    Case("api-classifier-search-with-no-label-to-score", r"^criterion classification: none of the validation rows "
         r"is labelled; label more rows or give a larger --validation share$",
         api=lambda w: VAEClassifier(tune_trials=1, epochs=1).fit([[float(i), 1.0] for i in range(40)],
                                                                   [0, -1, 1] + [-1] * 37)),
    Case("api-embedder-unknown-criterion", r"^unknown criterion 'auc'; choose one of: nll, elbo, imputation, "
         r"clustering, ",
         api=lambda w: VAEEmbedder(tune_trials=1, tune_criterion="auc").fit([[0.0, 1.0]] * 20)),
    Case("api-tune-criterion-level-out-of-range", r"^corruption_level of salt_pepper is the fraction p of entries "
         r"corrupted: it must be in \[0, 1\], got 2\.0$",
         api=lambda w: tune({"data": {"source": "digits"}}, w.path("X"), criterion="denoising:salt_pepper:2")),
]
