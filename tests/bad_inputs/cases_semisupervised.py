"""Semi-supervised learning and class latents: labels outside the classes, labels with gaps for a model that cannot
sum the class out, --labels-per-class beyond what the data hold, `predict` on a run with no class variable, and
settings that do not go together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bad_inputs.case import Case, Workspace
from vaekit.cli import main

NEW = ["--epochs", "1", "--hidden", "16", "--latent-dim", "2", "--out", "{root}/new"]
M2 = ["--class-latent", "m2", "--objective", "m2"]


def _m2_run(w: Workspace) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["train", "--data", "digits", *M2, "--labels-per-class", "5", "--epochs", "1",
                                       "--hidden", "16", "--latent-dim", "2", "--out", str(w.path("m2")), "--quiet"])
    assert result.exit_code == 0, result.output


def _m2_of_other_data(w: Workspace) -> None:
    """The digits' M2 ("m2") and an M2 of ten other classes of 8x8 images ("other"): not one ensemble."""
    from click.testing import CliRunner

    _m2_run(w)
    x = np.random.default_rng(0).random((40, 1, 8, 8), dtype=np.float32)
    np.savez(w.path("other.npz"), images=x, labels=np.arange(40) % 10)
    result = CliRunner().invoke(main, ["train", "--data", str(w.path("other.npz")), *M2, "--epochs", "1",
                                       "--hidden", "16", "--latent-dim", "2", "--out", str(w.path("other")),
                                       "--quiet"])
    assert result.exit_code == 0, result.output


def _gmvae_run(w: Workspace) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["train", "--data", "digits", "--class-latent", "gmvae", "--objective", "m2",
                                       "--epochs", "1", "--hidden", "16", "--latent-dim", "2",
                                       "--out", str(w.path("gmvae")), "--quiet"])
    assert result.exit_code == 0, result.output


def _labels_12(w: Workspace) -> None:
    _m2_run(w)
    x = np.random.default_rng(0).random((6, 1, 8, 8), dtype=np.float32)
    np.savez(w.path("twelve.npz"), images=x, labels=np.array([0, 1, 12, 3, -1, 2]))


def _table_with_gaps(w: Workspace) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40),
                          "kind": np.where(rng.random(40) < 0.5, "x", "y")})
    frame.loc[::3, "kind"] = None  # empty cells: unlabelled rows
    frame.to_csv(w.path("gaps.csv"), index=False)


def _npz(w: Workspace, labels: np.ndarray | None) -> None:
    x = np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32)
    if labels is None:
        np.save(w.path("plain.npy"), x)
    else:
        np.savez(w.path("labelled.npz"), images=x, labels=labels)


def _unlabelled_train(w: Workspace) -> None:
    x = np.random.default_rng(0).random((10, 1, 8, 8), dtype=np.float32)
    np.savez(w.path("split.npz"), x_train=x, x_test=x, y_train=np.full(10, -1), y_test=np.arange(10) % 2)


def _fit(y: list[int]) -> object:
    from vaekit import VAEClassifier

    x = np.random.default_rng(0).random((len(y), 4)).astype(np.float32)
    return VAEClassifier(epochs=1, hidden=(8,), latent_dim=2).fit(x, np.array(y))


CASES = [
    Case("predict-no-class-variable", r"no cluster variable.*--class-latent",
         ["predict", "{run}", "--out", "{root}/p.csv"]),
    Case("predict-labels-outside-classes", r"include 12, outside this model's classes 0\.\.9",
         ["predict", "{root}/m2", "--data", "{root}/twelve.npz", "--out", "{root}/p.csv"], setup=_labels_12,
         changes=("m2",)),
    Case("predict-ensemble-of-a-plain-vae", r"--ensemble .*: not an M2 run of the 10 classes of .*another --seed",
         ["predict", "{root}/m2", "--ensemble", "{run}", "--out", "{root}/p.csv"], setup=_m2_run, changes=("m2",)),
    Case("predict-ensemble-of-other-data", r"--ensemble .*other: trained on other data than .*differ only in --seed",
         ["predict", "{root}/m2", "--ensemble", "{root}/other", "--out", "{root}/p.csv"], setup=_m2_of_other_data,
         changes=("m2", "other")),
    Case("predict-ensemble-of-gmvaes", r"--ensemble averages the classes of M2 runs; .* is a GMVAE",
         ["predict", "{root}/gmvae", "--ensemble", "{root}/gmvae", "--out", "{root}/p.csv"], setup=_gmvae_run,
         changes=("gmvae",)),
    Case("predict-output-suffix", r"choose an output ending in \.csv or \.parquet",
         ["predict", "{run}", "--out", "{root}/p.png"]),
    Case("labels-per-class-too-many", r"--labels-per-class 500 but class .* has only \d+ labelled",
         ["train", "--data", "digits", *M2, "--labels-per-class", "500", *NEW]),
    Case("labels-per-class-no-labels", r"--labels-per-class needs labelled data",
         ["train", "--data", "{root}/plain.npy", *M2, "--labels-per-class", "2", *NEW],
         setup=lambda w: _npz(w, None)),
    Case("labels-per-class-negative", r"labels_per_class must be 0",
         ["train", "--data", "digits", *M2, "--labels-per-class", "-3", *NEW]),
    Case("label-gaps-for-a-cvae", r"have gaps .*--class-latent m2 --objective m2",
         ["train", "--data", "{root}/gaps.csv", "--label-column", "kind", "--conditional", *NEW],
         setup=_table_with_gaps),
    Case("label-gaps-for-a-plain-vae", r"have gaps .*--class-latent m2",
         ["train", "--data", "{root}/gaps.csv", "--label-column", "kind", *NEW], setup=_table_with_gaps),
    Case("labels-below-minus-one", r"include -5.*-1 marks an unlabelled row",
         ["train", "--data", "{root}/labelled.npz", *M2, *NEW],
         setup=lambda w: _npz(w, np.array([0, 1, -5, 1] * 5))),
    Case("m2-every-label-missing", r"every training label .* is -1",
         ["train", "--data", "{root}/split.npz", *M2, *NEW], setup=lambda w: _unlabelled_train(w)),
    Case("m2-without-labels", r"class_latent m2 needs labelled data",
         ["train", "--data", "{root}/plain.npy", *M2, *NEW], setup=lambda w: _npz(w, None)),
    Case("class-latent-without-objective", r"trains with objective m2",
         ["train", "--data", "digits", "--class-latent", "gmvae", *NEW]),
    Case("objective-m2-without-class-latent", r"objective m2 needs one",
         ["train", "--data", "digits", "--objective", "m2", *NEW]),
    Case("class-latent-and-conditional", r"leave conditional and conditional_prior off",
         ["train", "--data", "digits", *M2, "--conditional", *NEW]),
    Case("class-latent-with-vamp-prior", r"takes posterior: diagonal_gaussian and prior: standard_normal",
         ["train", "--data", "digits", *M2, "--prior", "vamp", *NEW]),
    Case("classifier-weight-for-elbo", r"classifier_weight is not read by the elbo objective.*m2",
         ["train", "--data", "digits", "--classifier-weight", "1", *NEW]),
    Case("classifier-weight-negative", r"classifier_weight must be zero or positive",
         ["train", "--data", "digits", *M2, "--classifier-weight", "-1", *NEW]),
    Case("vae-classifier-one-class", r"at least two classes", api=lambda w: _fit([0, 0, -1, -1, 0, -1])),
    Case("vae-classifier-label-below-minus-one", r"y includes -3",
         api=lambda w: _fit([0, 1, -3, -1, 0, -1])),
    Case("vae-classifier-ensemble-zero", r"ensemble must be a whole number of M2s \(1 or more\) or 'auto', got 0",
         api=lambda w: __import__("vaekit").VAEClassifier(ensemble=0).fit(np.zeros((4, 2)), np.array([0, 1, -1, -1]))),
    Case("vae-classifier-not-fitted", r"not fitted yet",
         api=lambda w: __import__("vaekit").VAEClassifier().predict(np.zeros((2, 4)))),
]
