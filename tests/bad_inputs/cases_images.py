"""Images of any size (issue 24, must-have 1): sizes that do not fit, resize and crop given wrongly or where they do
not apply, image files and arrays vaekit cannot read as images."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from bad_inputs.case import Case, Workspace
from vaekit.config import ModelConfig

NEW = ["--epochs", "1", "--out", "{root}/new"]


def _images(w: Workspace, sizes: tuple[tuple[int, int], ...] = ((20, 16),) * 6, folder: str = "imgs") -> None:
    rng = np.random.default_rng(0)
    for index, (width, height) in enumerate(sizes):
        path = w.path(f"{folder}/{index}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(path)


def _float_tiff(w: Workspace) -> None:
    w.path("f").mkdir()
    Image.fromarray(np.full((12, 12), 2.0, np.float32)).save(w.path("f/a.tif"))


def _complexity_of_5_channels(w: Workspace) -> None:
    from vaekit import build_model, score

    model = build_model(ModelConfig(latent_dim=2, hidden=[8]), (5, 8, 8), "image")
    score(model, torch.rand(2, 5, 8, 8), kind="complexity")


CASES = [
    Case("image-resize-zero", r"data\.resize takes a size WIDTHxHEIGHT in pixels, e\.g\. 128x96; got '0x5'",
         ["train", "--data", "{root}/imgs", "--resize", "0x5", *NEW], setup=_images),
    Case("image-crop-not-a-size", r"data\.crop takes a size WIDTHxHEIGHT .*got 'big'",
         ["train", "--data", "{root}/imgs", "--crop", "big", *NEW], setup=_images),
    Case("image-crop-larger-than-image", r"--crop 40x40 is larger than .*0\.png \(20x16\); choose a crop of at most "
         r"20x16", ["train", "--data", "{root}/imgs", "--crop", "40x40", *NEW], setup=_images),
    Case("image-crop-larger-after-resize", r"--crop 12x12 is larger than .* \(10x8 after --resize\)",
         ["train", "--data", "{root}/imgs", "--resize", "10x8", "--crop", "12x12", *NEW], setup=_images),
    Case("image-sizes-mixed", r"1\.png is 24x16 but .*0\.png is 20x16; .*--resize WIDTHxHEIGHT or --crop",
         ["train", "--data", "{root}/imgs", *NEW], setup=lambda w: _images(w, ((20, 16), (24, 16)) * 3)),
    Case("image-crop-without-images", r"--resize and --crop apply to folders of image files, not to the named "
         r"dataset 'digits'", ["train", "--data", "digits", "--crop", "8x8", *NEW]),
    Case("image-resize-on-an-array", r"--resize and --crop apply to folders of image files; .*x\.npy is not one",
         ["train", "--data", "{root}/x.npy", "--resize", "8x8", *NEW],
         setup=lambda w: np.save(w.path("x.npy"), np.zeros((10, 1, 8, 8), np.uint8))),
    Case("image-resize-streamed", r"--resize and --crop needs the whole training set in memory.*--streaming off",
         ["train", "--data", "{root}/imgs", "--resize", "8x8", "--streaming", "on", *NEW], setup=_images),
    Case("image-too-small-for-conv", r"the conv network takes images of at least 8x8 pixels; this data is 1x4x6 "
         r"\(use --network mlp", ["train", "--data", "{root}/x.npy", "--network", "conv", *NEW],
         setup=lambda w: np.save(w.path("x.npy"), np.zeros((10, 4, 6), np.uint8))),
    Case("image-float-tiff-out-of-range", r"a\.tif is a float image with values 2\.\.2; .*\[0, 1\]",
         ["train", "--data", "{root}/f", *NEW], setup=_float_tiff),
    Case("image-array-channel-axis-unclear", r"shape \(10, 8, 8, 8\), whose channel axis cannot be told",
         ["train", "--data", "{root}/x.npy", *NEW],
         setup=lambda w: np.save(w.path("x.npy"), np.zeros((10, 8, 8, 8), np.uint8))),
    Case("image-complexity-of-5-channels-python-api", r"PNG, which holds 1 to 4 channels .*have 5: choose another "
         r"--kind", api=_complexity_of_5_channels),
]
