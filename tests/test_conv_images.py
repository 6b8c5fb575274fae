"""The convolutional network end to end on a folder of 28x28 PNG images, one subfolder per class."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import invoke


def _image_folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for label, row in (("bars", slice(10, 18)), ("columns", None)):
        (root / label).mkdir(parents=True)
        for index in range(40):
            pixels = (rng.random((28, 28)) * 40).astype(np.uint8)
            if row is not None:
                pixels[row, :] = 255
            else:
                pixels[:, 10:18] = 255
            Image.fromarray(pixels, mode="L").save(root / label / f"{index}.png")
    return root


@pytest.mark.slow
def test_conv_vae_trains_on_an_image_folder(tmp_path: Path) -> None:
    folder = _image_folder(tmp_path / "images")
    run = tmp_path / "run"
    code, output = invoke("train", "--data", folder, "--network", "conv", "--conv-channels", "8,16",
                          "--latent-dim", "4", "--epochs", "25", "--batch-size", "16", "--lr", "0.003",
                          "--out", run, "--quiet")
    assert code == 0, output
    saved = json.loads((run / "config.json").read_text())
    assert saved["data"]["shape"] == [1, 28, 28] and saved["data"]["class_names"] == ["bars", "columns"]
    assert (run / "manifold.png").is_file() and (run / "latent.png").is_file()
    code, output = invoke("reconstruct", run, "-n", "8", "--out", tmp_path / "r.npy")
    assert code == 0, output
    recon = np.load(tmp_path / "r.npy")
    assert recon.shape == (8, 1, 28, 28)
    # the bright stripe is reconstructed brighter than the dark background
    assert recon.max(axis=(1, 2, 3)).min() > 2 * recon.mean()
