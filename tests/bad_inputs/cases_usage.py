"""click's own usage errors, in vaekit's form: an unknown command or option, a bad choice, a value of the wrong type,
a folder where a file is wanted, a missing argument. One `error:` line naming where the options are listed (click
prints four lines: the usage, a hint, a blank line and the error)."""

from __future__ import annotations

from bad_inputs.case import Case

CASES = [
    Case("usage-unknown-command", r"^error: No such command 'trian'.* \(see \S+ --help\)$", ["trian"]),
    Case("usage-unknown-option", r"^error: No such option '--epoch'.* \(see \S+ train --help\)$",
         ["train", "--epoch", "3", "--out", "{root}/new"]),
    Case("usage-unknown-option-of-the-group", r"^error: No such option '--verbose'.* \(see \S+ --help\)$",
         ["--verbose", "info", "{run}"]),
    Case("usage-bad-choice", r"^error: Invalid value for '--method': 'kmean' is not one of 'posterior', 'kmeans', "
         r"'gmm' \(see \S+ cluster --help\)$", ["cluster", "{run}", "--method", "kmean", "--out", "{root}/c.csv"]),
    Case("usage-wrong-type", r"^error: Invalid value for '--steps': 'ten' is not a valid integer.* \(see \S+ plot "
         r"traversals --help\)$", ["plot", "traversals", "{run}", "--steps", "ten"]),
    Case("usage-folder-for-a-file", r"^error: Invalid value for 'FILE': .* is a directory \(see \S+ decompress "
         r"--help\)$", ["decompress", "{run}", "{root}", "--out", "{root}/x.npy"]),
    Case("usage-missing-argument", r"^error: Missing argument 'RUN' \(see \S+ info --help\)$", ["info"]),
    Case("usage-unknown-plot", r"^error: No such command 'latents'.* \(see \S+ plot --help\)$",
         ["plot", "latents", "{run}"]),
    Case("config-file-is-a-folder", r"^error: config file .* is a folder, not a file$",
         ["train", "--config", "{root}", "--out", "{root}/new"]),
]

CASES += [
    Case("usage-plot-alone", r"^error: \S+ plot needs one of: latent, manifold, reconstructions, samples, traversals "
         r"\(see \S+ plot --help\)$", ["plot"]),
]

# a newline in a path the message quotes is shown escaped: the error stays one line
CASES += [
    Case("path-with-a-newline", r"^error: run directory no\\nrun does not exist$", ["info", "no\nrun"]),
]
