"""Compression's bad inputs: data off the likelihood's values, a run whose likelihood has no discrete values, the
wrong shape, and compressed files that are damaged, cut short, foreign or made with another model."""

from __future__ import annotations

import json

import numpy as np
import torch

from bad_inputs.case import Case, Workspace

BINARY = "{root}/binary.npy"


def binary(w: Workspace) -> None:
    """40 binary digit-shaped images."""
    rng = np.random.default_rng(0)
    np.save(w.path("binary.npy"), (rng.random((40, 1, 8, 8)) < 0.3).astype(np.float32))


def compressed(w: Workspace, perturb: float = 0.0) -> bytes:
    """binary.npy compressed with the run's model (with every decoder weight moved by `perturb`)."""
    import vaekit
    from vaekit.tasks.compression import compress

    binary(w)
    model = vaekit.load(w.run)
    with torch.no_grad():
        for parameter in model.decoder.parameters():
            parameter.add_(perturb)
    return compress(model, np.load(w.path("binary.npy")))


def likelihood(name: str):  # type: ignore[no-untyped-def]
    """Setup: the run's config names another likelihood with the same decoder outputs (one per pixel)."""
    def setup(w: Workspace) -> None:
        binary(w)
        path = w.run / "config.json"
        config = json.loads(path.read_text())
        config["config"]["model"]["likelihood"] = name
        path.write_text(json.dumps(config))
    return setup


def _write(name: str, make):  # type: ignore[no-untyped-def]
    return lambda w: w.write(name, make(w))


CASES = [
    Case("compress-grey-levels-with-a-bernoulli-run", r"codes binary data \(0 or 1\), but \d+ of 180 examples hold "
         r"other values; binarize it first", ["compress", "{run}", "--out", "{root}/x.vkz"]),
    Case("compress-data-of-half-values", r"binary data \(0 or 1\), but 3 of 3 examples.*binarize",
         ["compress", "{run}", "--data", "{root}/half.npy", "--out", "{root}/x.vkz"],
         setup=lambda w: np.save(w.path("half.npy"), np.full((3, 1, 8, 8), 0.5, np.float32))),
    Case("compress-with-a-continuous-likelihood", r"ContinuousBernoulliLikelihood does not give probabilities of a "
         r"fixed set of values; use a run with a Bernoulli likelihood on binary data",
         ["compress", "{run}", "--data", BINARY, "--out", "{root}/x.vkz"], setup=likelihood("continuous_bernoulli")),
    Case("compress-data-of-another-shape", r"examples of shape \[1, 9, 9\] but the model in .* takes \[1, 8, 8\]",
         ["compress", "{run}", "--data", "{root}/w.npy", "--out", "{root}/x.vkz"],
         setup=lambda w: np.save(w.path("w.npy"), np.zeros((5, 9, 9), np.float32))),
    Case("compress-too-many-latent-bits", r"latent_bits must be between 1 and 16, got 20",
         ["compress", "{run}", "--data", BINARY, "--latent-bits", "20", "--out", "{root}/x.vkz"], setup=binary),
    Case("compress-zero-batch-size", r"--batch-size must be at least 1, got 0",
         ["compress", "{run}", "--data", BINARY, "--batch-size", "0", "--out", "{root}/x.vkz"], setup=binary),
    Case("decompress-damaged-file", r"x\.vkz is damaged: its SHA-256 checksum does not match.*intact copy",
         ["decompress", "{run}", "{root}/x.vkz", "--out", "{root}/back.npy"],
         setup=_write("x.vkz", lambda w: (lambda d: d[:60] + bytes([d[60] ^ 4]) + d[61:])(compressed(w)))),
    Case("decompress-truncated-file", r"x\.vkz is truncated: \d+ bytes of the \d+ its header announces",
         ["decompress", "{run}", "{root}/x.vkz", "--out", "{root}/back.npy"],
         setup=_write("x.vkz", lambda w: compressed(w)[:-50])),
    Case("decompress-foreign-file", r"picture\.png is not a vaekit compressed file \(\.vkz\)",
         ["decompress", "{run}", "{root}/picture.png", "--out", "{root}/back.npy"],
         setup=lambda w: w.write("picture.png", b"\x89PNG\r\n\x1a\n" + bytes(200))),
    Case("decompress-file-of-another-model", r"x\.vkz was compressed with another model \(weights SHA-256 .*\); "
         r"decompress it with the run that compressed it",
         ["decompress", "{run}", "{root}/x.vkz", "--out", "{root}/back.npy"],
         setup=_write("x.vkz", lambda w: compressed(w, perturb=1e-3))),
    Case("decompress-missing-file", r"cannot read .*nothing\.vkz: No such file",
         ["decompress", "{run}", "{root}/nothing.vkz", "--out", "{root}/back.npy"]),
    Case("decompress-to-an-unknown-format", r"back\.txt: choose an output ending in \.npy, \.png, \.csv, \.parquet",
         ["decompress", "{run}", "{root}/x.vkz", "--out", "{root}/back.txt"],
         setup=_write("x.vkz", lambda w: compressed(w))),
]
