"""The baselines beside vaekit's figures: `vaekit impute --check` with a fraction outside (0, 1), rows with no
observed value it may hide, or only rows the run trained on, `vaekit score --anomalous-classes` that marks no row,
is not a class, or meets rows with no labels; each refused before anything is written."""

from __future__ import annotations

import numpy as np

from bad_inputs.case import Case, Workspace

OUT = "{root}/f.npy"


def one_value_a_row(w: Workspace) -> None:
    """Rows with one observed pixel each: every row keeps one value to impute from, so none can be hidden."""
    x = np.full((64, 64), np.nan, dtype=np.float32)
    np.fill_diagonal(x, 0.5)  # row i observes pixel i: no pixel is missing everywhere
    np.save(w.path("sparse.npy"), x.reshape(64, 1, 8, 8))


def unlabelled(w: Workspace) -> None:
    np.save(w.path("plain.npy"), np.random.default_rng(0).random((4, 1, 8, 8), dtype=np.float32))


CASES = [
    Case("impute-check-above-one", r"--check must be a fraction of the observed values between 0 and 1 .*got 1\.5",
         ["impute", "{run}", "--out", OUT, "--check", "1.5"]),
    Case("impute-check-zero", r"--check must be a fraction .* got 0\.0", ["impute", "{run}", "--out", OUT,
                                                                          "--check", "0"]),
    Case("impute-check-nothing-to-hide", r"--check 0\.9 hides none of the 64 observed values \(every row keeps one",
         ["impute", "{run}", "--data", "{root}/sparse.npy", "--out", OUT, "--check", "0.9"], setup=one_value_a_row),
    Case("impute-check-on-the-training-rows", r"--check: every one of the \d+ rows is one the run trained on .*leave "
         r"out --data and --split", ["impute", "{run}", "--split", "train", "--out", OUT, "--check", "0.2"]),
    Case("score-anomalous-classes-none-of-the-rows", r"--anomalous-classes 11 marks none of the 180 scored rows",
         ["score", "{run}", "--anomalous-classes", "11", "--out", "{root}/s.csv"]),
    Case("score-anomalous-classes-not-a-class", r"--anomalous-classes takes class numbers .* 'five' is neither",
         ["score", "{run}", "--anomalous-classes", "five", "--out", "{root}/s.csv"]),
    Case("score-anomalous-classes-without-labels", r"--anomalous-classes marks anomalous rows by their labels, but "
         r"these rows have none", ["score", "{run}", "--data", "{root}/plain.npy", "--anomalous-classes", "1",
                                   "--out", "{root}/s.csv"], setup=unlabelled),
]
