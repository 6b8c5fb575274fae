"""Disentanglement: the metrics asked for on data without factors, sprites and dSprites settings that cannot be
met, a dSprites file that is not one (or none at all: it is never downloaded), FactorVAE settings out of range,
and codes and factors that do not match."""

from __future__ import annotations

import numpy as np

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.tasks.evaluation.disentanglement import disentanglement_scores

TRAIN = ["train", "--epochs", "1", "--out", "{root}/new"]
FACTOR_VAE = [*TRAIN, "--data", "digits", "--objective", "factor_vae"]


def _not_dsprites(w: Workspace) -> None:
    """A file with dSprites' array names but 5 factors instead of its 6 columns."""
    folder = w.path("data") / "dsprites"
    folder.mkdir(parents=True)
    np.savez(folder / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz", imgs=np.zeros((4, 8, 8), np.uint8),
             latents_values=np.zeros((4, 5)), latents_classes=np.zeros((4, 5), np.int64))


def _no_dsprites(w: Workspace) -> None:
    w.monkeypatch.setenv("HOME", str(w.root))
    w.monkeypatch.delenv("VAEKIT_DATA", raising=False)
    w.monkeypatch.setattr("vaekit.data.common.locate.SYSTEM_DATA_DIR", w.root / "none")


def _evaluate_digits(w: Workspace) -> None:
    vaekit.evaluate(vaekit.load(w.run), vaekit.load_dataset("digits"), k=2, disentanglement=True)


CASES = [
    Case("disentanglement-on-data-without-factors", r"--disentanglement on needs data that carry their generative "
         r"factors .*digits has none", ["evaluate", "{run}", "--k", "2", "--disentanglement", "on"]),
    Case("disentanglement-api-on-data-without-factors", r"need data that carry their generative factors",
         api=_evaluate_digits),
    Case("disentanglement-codes-and-factors-mismatched", r"codes \(N, d\) and factors \(N, K\) for the same examples",
         api=lambda w: disentanglement_scores(np.zeros((10, 2)), np.zeros((12, 5)))),
    Case("sprites-unknown-setting", r"sprites: cannot read the setting 'count=5'; .* n=10000, size=64, seed=0",
         [*TRAIN, "--data", "sprites:count=5"]),
    Case("sprites-setting-not-a-number", r"sprites: the setting size must be an integer, got 'big'",
         [*TRAIN, "--data", "sprites:size=big"]),
    Case("sprites-too-few-examples", r"sprites: n must be between 2 and", [*TRAIN, "--data", "sprites:n=1"]),
    Case("sprites-image-too-small", r"sprites: size must be between 8 and 256 pixels, got 4",
         [*TRAIN, "--data", "sprites:size=4"]),
    Case("settings-for-a-source-without-any", r"the data source 'digits' takes no settings after a colon",
         [*TRAIN, "--data", "digits:n=5"]),
    Case("dsprites-not-on-this-machine", r"dSprites is not on this machine .* vaekit does not download it",
         [*TRAIN, "--data", "dsprites", "--data-dir", "{root}/empty"], setup=_no_dsprites),
    Case("dsprites-file-that-is-not-dsprites", r"is not dSprites: imgs must be \(N, H, W\) and latents_values",
         [*TRAIN, "--data", "dsprites", "--data-dir", "{root}/data"], setup=_not_dsprites),
    Case("factor-vae-negative-tc-weight", r"tc_weight must be zero or positive", [*FACTOR_VAE, "--tc-weight", "-1"]),
    Case("factor-vae-zero-discriminator-lr", r"discriminator_lr must be positive, got 0\.0",
         [*FACTOR_VAE, "--discriminator-lr", "0"]),
    Case("factor-vae-empty-discriminator", r"discriminator_hidden must be one or more positive widths",
         [*FACTOR_VAE, "--discriminator-hidden", "0"]),
]
