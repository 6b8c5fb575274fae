"""Bad denoising settings and inputs: a corruption level out of range, an unknown corruption, a corruption that
the objective would ignore, a malformed --add-noise or --noise, a --noise whose posterior is not worked out, noisy
data of the wrong shape or outside the likelihood's support, and outputs that could not be written as asked."""

from __future__ import annotations

import numpy as np

from bad_inputs.case import Case, Workspace
from vaekit.runs.run import load
from vaekit.tasks.denoising import add_noise, denoise

TRAIN = ["train", "--data", "digits", "--epochs", "1", "--out", "{root}/new"]
DENOISE = ["denoise", "{run}"]


def _array(name: str, values: np.ndarray):  # type: ignore[no-untyped-def]
    return lambda w: np.save(w.path(name), values.astype(np.float32))


def _existing(w: Workspace) -> None:
    """An earlier output that a failed command must leave as it was."""
    np.save(w.path("clean.npy"), np.ones((2, 1, 8, 8), dtype=np.float32))


CASES = [
    Case("denoise-with-missing-values", r"corruption: mask would fill the missing entries.*trains without",
         [*TRAIN, "--objective", "denoising", "--corruption", "mask", "--missing", "model"]),
    Case("denoise-level-above-one", r"fraction p of entries corrupted: it must be in \[0, 1\], got 1.5",
         [*TRAIN, "--objective", "denoising", "--corruption", "mask", "--corruption-level", "1.5"]),
    Case("denoise-negative-sigma", r"standard deviation sigma: it must be zero or positive",
         [*TRAIN, "--objective", "denoising", "--corruption", "gaussian", "--corruption-level", "-0.2"]),
    Case("denoise-unknown-corruption", r"corruption must be one of none, gaussian, salt_pepper, mask, replace",
         [*TRAIN, "--objective", "denoising", "--corruption", "blur"]),
    Case("denoise-corruption-ignored-by-elbo", r"corruption is not read by the elbo objective.*applies to denoising",
         [*TRAIN, "--corruption", "gaussian", "--corruption-level", "0.3"]),
    Case("denoise-target-ignored-by-iwae", r"denoising_target is not read by the iwae objective",
         [*TRAIN, "--objective", "iwae", "--denoising-target", "corrupted"]),
    Case("denoise-objective-without-corruption", r"denoising objective trains on corrupted inputs: set corruption",
         [*TRAIN, "--objective", "denoising"]),
    Case("denoise-add-noise-no-level", r"--add-noise must be KIND:LEVEL",
         [*DENOISE, "--add-noise", "gaussian", "--out", "{root}/clean.npy"], setup=_existing),
    Case("denoise-add-noise-hide", r"choose one of gaussian, salt_pepper, mask, replace \(hide makes entries "
         r"missing: fill them in with vaekit inpaint or vaekit impute\)",
         [*DENOISE, "--add-noise", "hide:0.5", "--out", "{root}/clean.npy"], setup=_existing),
    Case("denoise-add-noise-not-a-number", r"the level 'lots' is not a number",
         [*DENOISE, "--add-noise", "mask:lots", "--out", "{root}/clean.npy"]),
    Case("denoise-add-noise-unknown", r"unknown corruption 'blur'",
         [*DENOISE, "--add-noise", "blur:0.3", "--out", "{root}/clean.npy"]),
    Case("denoise-add-noise-out-of-range", r"\[0, 1\], got 1.5",
         [*DENOISE, "--add-noise", "salt_pepper:1.5", "--out", "{root}/clean.npy"], setup=_existing),
    Case("denoise-noise-not-worked-out", r"works out gaussian, salt_pepper, mask; replace replaces values",
         [*DENOISE, "--noise", "replace:0.2", "--out", "{root}/clean.npy"], setup=_existing),
    Case("denoise-noise-no-level", r"--noise must be KIND:LEVEL",
         [*DENOISE, "--noise", "gaussian", "--out", "{root}/clean.npy"]),
    Case("denoise-noise-out-of-range", r"\[0, 1\], got 2",
         [*DENOISE, "--noise", "mask:2", "--out", "{root}/clean.npy"]),
    Case("denoise-noisy-out-without-noise", r"--noisy-out writes the inputs that --add-noise makes",
         [*DENOISE, "--noisy-out", "{root}/noisy.npy", "--out", "{root}/clean.npy"]),
    Case("denoise-wrong-shape", r"examples of shape \[5\] but the model .* takes \[1, 8, 8\]",
         [*DENOISE, "--data", "{root}/noisy.npy", "--out", "{root}/clean.npy"],
         setup=_array("noisy.npy", np.zeros((3, 5)))),
    Case("denoise-outside-support", r"values -0.5\.\.2; scale them to \[0, 1\]",
         [*DENOISE, "--data", "{root}/noisy.npy", "--out", "{root}/clean.npy"],
         setup=_array("noisy.npy", np.linspace(-0.5, 2, 3 * 64).reshape(3, 1, 8, 8))),
    Case("denoise-bad-suffix", r"clean\.txt: choose an output ending in \.png, \.npy, \.csv or \.parquet",
         [*DENOISE, "--out", "{root}/clean.txt"]),
    Case("denoise-count-zero", r"--count must be at least 1", [*DENOISE, "-n", "0", "--out", "{root}/clean.npy"]),
    Case("denoise-api-wrong-shape", r"x must have shape \(N, 1, 8, 8\)",
         api=lambda w: denoise(load(w.run), np.zeros((2, 64), dtype=np.float32))),
    Case("denoise-api-outside-support", r"bernoulli likelihood needs data in \[0, 1\], but x spans \[0, 3\]",
         api=lambda w: denoise(load(w.run), np.linspace(0, 3, 2 * 64, dtype=np.float32).reshape(2, 1, 8, 8))),
    Case("denoise-api-noise-not-worked-out", r"works out gaussian, salt_pepper, mask; replace",
         api=lambda w: denoise(load(w.run), np.zeros((2, 1, 8, 8), dtype=np.float32), noise="replace:0.2")),
    Case("denoise-api-noise-bad-seed", r"seed must be",
         api=lambda w: denoise(load(w.run), np.zeros((2, 1, 8, 8), dtype=np.float32), noise="gaussian:0.3",
                               seed=-1)),
    Case("denoise-api-bad-noise", r"must be KIND:LEVEL",
         api=lambda w: add_noise(load(w.run), np.zeros((2, 1, 8, 8), dtype=np.float32), "gaussian=0.3")),
]
