"""TensorBoard's per-epoch image grids, written cheaply (grey pictures as one channel, fast PNG): the pixels are
those SummaryWriter.add_image would have written."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto.event_pb2 import Event

import vaekit
from vaekit.plots.grid import image_grid
from vaekit.training.tensorboard import _image_summary


def _images(folder: Path) -> dict[tuple[str, int], tuple[int, Image.Image]]:
    """(tag, step) -> (colorspace, decoded picture) of every image in a run's TensorBoard events."""
    found = {}
    for path in folder.glob("events.out.tfevents.*"):
        for event in map(Event.FromString, RawEventFileLoader(str(path)).Load()):  # as written, not migrated
            for value in event.summary.value:
                if value.HasField("image"):
                    picture = Image.open(io.BytesIO(value.image.encoded_image_string))
                    picture.load()
                    found[(value.tag, event.step)] = (value.image.colorspace, picture)
    return found


def _as_add_image(grid: np.ndarray) -> np.ndarray:
    return (grid.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)  # SummaryWriter.add_image's scaling


def test_each_epoch_logs_grey_grids_with_add_images_pixels(tmp_path: Path) -> None:
    run = vaekit.train({"model": {"hidden": [32], "latent_dim": 2}, "train": {"epochs": 2, "seed": 1}},
                       tmp_path / "run", progress=False, pictures=False)
    images = _images(run.path / "tensorboard")
    assert set(images) == {(tag, step) for tag in ("reconstructions", "samples") for step in (1, 2)}
    data = vaekit.load_dataset("digits")
    x = data.test_x[:32]
    with torch.no_grad():
        expected = _as_add_image(image_grid(torch.cat([x, run.model.reconstruct(x)]), 8))
    colorspace, picture = images[("reconstructions", 2)]
    assert colorspace == 1 and picture.mode == "L"
    np.testing.assert_array_equal(np.asarray(picture), expected[..., 0])
    assert images[("samples", 2)][1].size == (expected.shape[1], expected.shape[0] // 2 + 1)


@pytest.mark.parametrize("grey", [True, False], ids=["grey", "colour"])
def test_an_image_summary_decodes_to_the_pixels_given(grey: bool) -> None:
    images = torch.rand(6, 1 if grey else 3, 5, 5)
    images[0, :, 0, 0] = float("nan")  # a missing pixel is drawn red: a grey picture with one turns colour
    grid = image_grid(images if not grey else images.nan_to_num(0.5), 3, min_side=5)
    summary = _image_summary("t", grid)
    value = summary.value[0]
    picture = Image.open(io.BytesIO(value.image.encoded_image_string))
    assert value.tag == "t" and (value.image.height, value.image.width) == grid.shape[:2]
    assert value.image.colorspace == (1 if grey else 3)
    expected = _as_add_image(grid)
    np.testing.assert_array_equal(np.asarray(picture), expected[..., 0] if grey else expected)


def test_the_runs_labelled_pictures_reach_tensorboard_once_at_its_end(tmp_path: Path) -> None:
    run = vaekit.train({"model": {"hidden": [16], "latent_dim": 2}, "train": {"epochs": 2, "early_stopping": 0}},
                       tmp_path / "run", progress=False)
    images = _images(run.path / "tensorboard")
    final = {tag: picture for (tag, step), (_, picture) in images.items() if tag.startswith("pictures/")}
    assert {"pictures/loss", "pictures/reconstructions", "pictures/samples", "pictures/manifold"} <= set(final)
    assert all(step == 2 for (tag, step) in images if tag.startswith("pictures/"))
    # the very files of the run folder, titles and labels included
    with Image.open(run.path / "loss.png") as written:
        assert final["pictures/loss"].size == written.size
        np.testing.assert_array_equal(np.asarray(final["pictures/loss"]), np.asarray(written))
