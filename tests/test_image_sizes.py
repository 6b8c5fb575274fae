"""Images of any height, width and channel count (issue 24, must-have 1): the conv and resnet networks derive
their stages from the shape; image folders read 8- and 16-bit PNG and TIFF, grey, RGB and RGBA; folders of
several sizes are refused, or made one size with --resize and --crop, recorded and reapplied at load."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import vaekit
from conftest import invoke
from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError, DataError, VaekitError
from vaekit.data import load_dataset
from vaekit.model.build import build_model
from vaekit.nn.image_stages import image_stages
from vaekit.tasks.compression import compress, decompress

pytestmark = pytest.mark.filterwarnings("ignore:posterior collapse")

# sha256 (first 16 hex digits) of the "name:shape" lines of the state dict, and its length, of each model as
# built before the stages were derived from the shape (commit 2afedb1, latent_dim 16, default conv_channels):
# the square sizes of old keep exactly their parameters, so their runs keep loading
OLD_ARCHITECTURES = {
    ("conv", (1, 28, 28), "bernoulli"): ("0ee370664f9b9216", 16),
    ("conv", (3, 32, 32), "discretized_logistic"): ("471242f77ffde874", 20),
    ("conv", (3, 64, 64), "bernoulli"): ("70013dc60a6223eb", 24),
    ("conv", (1, 64, 64), "discretized_logistic"): ("ea8e59feaa4971d7", 24),
    ("resnet", (1, 28, 28), "discretized_logistic"): ("af942605e5772007", 64),
    ("resnet", (3, 32, 32), "bernoulli"): ("99322c98bbc137d0", 88),
    ("resnet", (3, 64, 64), "discretized_logistic"): ("01161fd41d3f80ee", 112),
}


@pytest.mark.parametrize("key", OLD_ARCHITECTURES, ids=lambda key: f"{key[0]}-{'x'.join(map(str, key[1]))}")
def test_square_sizes_of_old_keep_exactly_their_parameters(key: tuple) -> None:
    network, shape, likelihood = key
    with torch.device("meta"):
        model = build_model(ModelConfig(network=network, likelihood=likelihood, latent_dim=16), shape, "image")
    text = "\n".join(f"{name}:{tuple(value.shape)}" for name, value in model.state_dict().items())
    assert (hashlib.sha256(text.encode()).hexdigest()[:16], len(model.state_dict())) == OLD_ARCHITECTURES[key]


@pytest.mark.parametrize("network", ["conv", "resnet"])
@pytest.mark.parametrize("shape, stages, smallest", [
    ((3, 96, 128), 4, (6, 8)), ((4, 30, 45), 3, (4, 6)), ((5, 8, 8), 1, (4, 4)), ((1, 256, 256), 6, (4, 4)),
    ((2, 9, 100), 1, (5, 50)), ((1, 28, 28), 2, (7, 7))])
def test_any_image_shape_decodes_to_exactly_that_shape(network: str, shape: tuple, stages: int,
                                                       smallest: tuple) -> None:
    plan = image_stages(shape, network)
    assert (plan.count, plan.smallest) == (stages, smallest)
    assert 4 <= min(smallest) <= 7 or min(shape[1:]) < 16  # the shorter side ends at 4-7 pixels
    cfg = ModelConfig(network=network, latent_dim=3, conv_channels=[4, 6], residual_blocks=1,
                      likelihood="discretized_logistic")
    model = build_model(cfg, shape, "image")
    x = torch.rand(2, *shape)
    width = 4 if stages == 1 else 6  # one width per stage, the last repeated for further stages
    assert model.encoder(x).shape == (2, width * math.prod(smallest))
    decoded = model.decode(model.encode(x).rsample())
    assert decoded.mean.shape == (2, *shape) and decoded.log_prob(x).shape == (2,)


def test_padding_surrounds_the_image_and_the_crop_takes_it_back() -> None:
    plan = image_stages((1, 30, 45), "conv")  # 3 stages: 30 -> 32, 45 -> 48
    assert plan.padding == (1, 2, 1, 1)
    x = torch.rand(2, 1, 30, 45)
    padded = plan.pad(x)
    assert padded.shape == (2, 1, 32, 48) and int((padded == 0).sum()) == 2 * (32 * 48 - 30 * 45)  # zeros
    assert torch.equal(plan.crop(padded), x)


@pytest.mark.parametrize("network", ["conv", "resnet"])
def test_images_smaller_than_8_pixels_or_vectors_are_refused_in_one_line(network: str) -> None:
    with pytest.raises(ConfigError, match=rf"the {network} network takes images of at least 8x8 pixels; this data "
                                          r"is 3x7x40 \(use --network mlp"):
        build_model(ModelConfig(network=network), (3, 7, 40))
    with pytest.raises(ConfigError, match=rf"the {network} network takes images \(C, H, W\); this data is 64 "):
        build_model(ModelConfig(network=network), (64,))


# ---- reading image files -------------------------------------------------------------------------------------

def _folder(root: Path, images: dict[str, np.ndarray | Image.Image]) -> Path:
    root.mkdir(parents=True)
    for name, image in images.items():
        (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(root / name)
    return root


def _all(data) -> np.ndarray:  # the examples in file order (the split shuffles them)
    return np.asarray(data.examples("all")[0])


def test_a_non_square_16_bit_png_and_tiffs_read_with_their_values(tmp_path: Path) -> None:
    deep = (np.arange(12 * 20).reshape(12, 20) * 271 % 65536).astype(np.uint16)
    data = load_dataset(_folder(tmp_path / "png16", {"a.png": deep, "b.png": deep[::-1].copy()}), test_fraction=0.5)
    assert data.shape == (1, 12, 20)
    np.testing.assert_array_equal(_all(data)[0, 0], deep.astype(np.float32) / 65535)
    # TIFF: 16-bit grey beside 8-bit RGB gives colour (the grey level thrice) on 16 bits, 8-bit values v/255
    rgb = np.random.default_rng(0).integers(0, 256, (12, 20, 3), dtype=np.uint8)
    data = load_dataset(_folder(tmp_path / "tif", {"a.tif": deep, "b.tiff": rgb}), test_fraction=0.5)
    x = _all(data)
    assert data.shape == (3, 12, 20)
    np.testing.assert_array_equal(x[0], np.repeat(deep[None].astype(np.float32) / 65535, 3, 0))
    np.testing.assert_allclose(x[1], rgb.transpose(2, 0, 1) / 255, rtol=0, atol=1e-7)


def test_alpha_is_kept_as_a_fourth_channel_when_any_file_has_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (10, 14, 4), dtype=np.uint8)
    rgb = rng.integers(0, 256, (10, 14, 3), dtype=np.uint8)
    data = load_dataset(_folder(tmp_path / "alpha", {"a.png": rgba, "b.png": rgb}), test_fraction=0.5)
    x = _all(data)
    assert data.shape == (4, 10, 14) and data.kind == "image"
    np.testing.assert_array_equal(x[0], rgba.transpose(2, 0, 1).astype(np.float32) / 255)
    np.testing.assert_array_equal(x[1, 3], np.ones((10, 14), np.float32))  # opaque where a file has no alpha
    grey_alpha = load_dataset(_folder(tmp_path / "la", {"a.png": Image.fromarray(rgba).convert("LA"),
                                                        "b.png": rgb[..., 0]}), test_fraction=0.5)
    assert grey_alpha.shape == (2, 10, 14)


@pytest.mark.parametrize("layout, shape", [("nchw", (6, 4, 9, 11)), ("nhwc", (6, 9, 11, 5)), ("nchw", (6, 5, 9, 11))])
def test_arrays_of_any_channel_count_are_images(tmp_path: Path, layout: str, shape: tuple) -> None:
    array = np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)
    np.save(tmp_path / "x.npy", array)
    data = load_dataset(tmp_path / "x.npy", test_fraction=0.5)
    channels = shape[1] if layout == "nchw" else shape[3]
    assert data.kind == "image" and data.shape == (channels, 9, 11)


def test_a_float_tiff_outside_0_1_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "f", {"a.tif": np.full((9, 9), 3.5, np.float32)})
    with pytest.raises(DataError, match=r"a\.tif is a float image with values 3\.5\.\.3\.5; .*\[0, 1\]"):
        load_dataset(folder)


def _sizes_folder(root: Path) -> Path:
    rng = np.random.default_rng(3)
    images = {f"{i:02d}.png": rng.integers(0, 256, (16 + 4 * (i % 2), 24, 3), dtype=np.uint8) for i in range(12)}
    return _folder(root, images)


def test_images_of_several_sizes_are_refused_naming_two_files_and_sizes(tmp_path: Path) -> None:
    folder = _sizes_folder(tmp_path / "mixed")
    with pytest.raises(DataError) as raised:
        load_dataset(folder)
    message = str(raised.value)
    assert "01.png is 24x20 but" in message and "00.png is 24x16" in message and "--resize" in message
    assert "\n" not in message


def test_crop_cuts_the_centre_and_resize_uses_lanczos(tmp_path: Path) -> None:
    image = np.random.default_rng(4).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    folder = _folder(tmp_path / "one", {"a.png": image, "b.png": image})
    cropped = load_dataset(folder, crop=(10, 6), test_fraction=0.5)
    np.testing.assert_array_equal(_all(cropped)[0],
                                  image[7:13, 10:20].transpose(2, 0, 1).astype(np.float32) / 255)
    resized = load_dataset(folder, resize=(15, 10), crop=(9, 8), test_fraction=0.5)
    expected = np.asarray(Image.fromarray(image).resize((15, 10), Image.Resampling.LANCZOS))[1:9, 3:12]
    np.testing.assert_array_equal(_all(resized)[0], expected.transpose(2, 0, 1).astype(np.float32) / 255)
    with pytest.raises(DataError, match=r"--crop 40x6 is larger than .*a\.png \(30x20\); choose a crop of at most"):
        load_dataset(folder, crop=(40, 6))


@pytest.mark.slow
def test_resize_makes_a_mixed_folder_train_and_is_reapplied_at_load(tmp_path: Path) -> None:
    folder, run = _sizes_folder(tmp_path / "mixed"), tmp_path / "run"
    code, output = invoke("train", "--data", folder, "--resize", "16x12", "--network", "conv", "--conv-channels",
                          "4,8", "--latent-dim", "2", "--epochs", "1", "--out", run, "--quiet")
    assert code == 0, output
    saved = json.loads((run / "config.json").read_text())
    assert saved["config"]["data"]["resize"] == "16x12" and saved["data"]["shape"] == [3, 12, 16]
    code, output = invoke("reconstruct", run, "--out", tmp_path / "r.npy")  # reloads the folder, resized
    assert code == 0, output
    assert np.load(tmp_path / "r.npy").shape[1:] == (3, 12, 16)


# ---- end to end ----------------------------------------------------------------------------------------------

def _shapes_folder(root: Path, count: int = 12, size: tuple[int, int] = (128, 96), mode: str = "RGB") -> Path:
    """`count` pictures of a bright square on a dark ground, `size` (width, height)."""
    rng = np.random.default_rng(5)
    root.mkdir(parents=True)
    for index in range(count):
        pixels = np.full((size[1], size[0], len(mode)), 30, np.uint8)
        top, left = rng.integers(0, size[1] // 2), rng.integers(0, size[0] // 2)
        pixels[top:top + size[1] // 3, left:left + size[0] // 3] = rng.integers(100, 256, len(mode))
        Image.fromarray(pixels, mode=mode).save(root / f"{index:02d}.png")
    return root


@pytest.mark.slow
def test_a_128x96_rgb_folder_trains_samples_reconstructs_scores_and_compresses(tmp_path: Path) -> None:
    folder, run = _shapes_folder(tmp_path / "rgb"), tmp_path / "run"
    # one latent dimension: the end-of-training manifold is then one row of 15 images, not a 15 x 15 grid
    code, output = invoke("train", "--data", folder, "--network", "conv", "--conv-channels", "4,8", "--latent-dim",
                          "1", "--likelihood", "discretized_logistic", "--epochs", "1", "--out", run, "--quiet")
    assert code == 0, output
    assert json.loads((run / "config.json").read_text())["data"]["shape"] == [3, 96, 128]
    assert invoke("sample", run, "-n", "3", "--out", tmp_path / "s.npy")[0] == 0
    assert np.load(tmp_path / "s.npy").shape == (3, 3, 96, 128)
    assert invoke("sample", run, "-n", "2", "--out", tmp_path / "s.png")[0] == 0
    with Image.open(tmp_path / "s.png") as picture:
        assert picture.mode in ("RGB", "RGBA") and picture.size[0] >= 2 * 128
    assert invoke("reconstruct", run, "--out", tmp_path / "r.npy")[0] == 0
    test_count = len(np.load(tmp_path / "r.npy"))  # the test split's
    assert np.load(tmp_path / "r.npy").shape == (test_count, 3, 96, 128)
    code, output = invoke("score", run, "--kind", "iw,complexity", "--k", "2", "--out", tmp_path / "s.csv")
    assert code == 0, output
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert len(rows) == test_count and all(math.isfinite(float(row["complexity"])) for row in rows)
    code, output = invoke("compress", run, "--out", tmp_path / "t.vkz")
    assert code == 0, output
    assert invoke("decompress", run, tmp_path / "t.vkz", "--out", tmp_path / "back.npy")[0] == 0
    back = np.load(tmp_path / "back.npy")
    assert back.shape == (test_count, 3, 96, 128) and np.array_equal(np.rint(back * 255), back * 255)


@pytest.mark.slow
def test_the_resnet_network_trains_on_128x96_images(tmp_path: Path) -> None:
    folder, run = _shapes_folder(tmp_path / "rgb", count=8), tmp_path / "run"
    code, output = invoke("train", "--data", folder, "--network", "resnet", "--conv-channels", "4,4",
                          "--residual-blocks", "1", "--latent-dim", "1", "--epochs", "1", "--out", run, "--quiet")
    assert code == 0, output
    assert invoke("sample", run, "-n", "2", "--out", tmp_path / "s.npy")[0] == 0
    assert np.load(tmp_path / "s.npy").shape == (2, 3, 96, 128)


@pytest.mark.slow
def test_an_rgba_set_trains_samples_reconstructs_scores_and_compresses_from_python(tmp_path: Path) -> None:
    folder = _shapes_folder(tmp_path / "rgba", count=12, size=(24, 16), mode="RGBA")
    run = vaekit.train({"data": {"source": str(folder)},
                        "model": {"network": "conv", "conv_channels": [4, 8], "latent_dim": 2,
                                  "likelihood": "discretized_logistic"},
                        "train": {"epochs": 1}}, tmp_path / "run", progress=False)
    model = vaekit.load(run.path)
    assert model.data_shape == (4, 16, 24)
    assert model.sample(3).shape == (3, 4, 16, 24)
    x = vaekit.load_dataset(folder).test_x
    assert model.reconstruct(x).shape == x.shape
    scores = vaekit.score_many(model, x, "elbo,complexity")
    assert all(values.shape == (len(x),) and bool(torch.isfinite(values).all()) for values in scores.values())
    assert torch.equal(decompress(model, compress(model, x)), x)
    assert invoke("sample", run.path, "-n", "2", "--out", tmp_path / "s.png")[0] == 0
    with Image.open(tmp_path / "s.png") as picture:
        assert picture.mode == "RGBA"  # the alpha channel drawn as transparency


@pytest.mark.slow
def test_a_5_channel_array_trains_and_refuses_the_png_score_in_one_line(tmp_path: Path) -> None:
    np.save(tmp_path / "bands.npy", np.random.default_rng(6).integers(0, 256, (16, 5, 12, 12), dtype=np.uint8))
    run = vaekit.train({"data": {"source": str(tmp_path / "bands.npy")},
                        "model": {"network": "resnet", "conv_channels": [4], "residual_blocks": 1, "latent_dim": 2},
                        "train": {"epochs": 1}}, tmp_path / "run", progress=False)
    assert run.model.sample(2).shape == (2, 5, 12, 12)
    with pytest.raises(VaekitError, match=r"PNG, which holds 1 to 4 channels .* this model's images have 5"):
        vaekit.score(run.model, torch.rand(2, 5, 12, 12), kind="complexity")
    assert invoke("sample", run.path, "-n", "2", "--out", tmp_path / "s.png")[0] == 0  # the first three as RGB


@pytest.mark.slow
def test_256x256_rgb_images_train_within_the_memory_check(tmp_path: Path) -> None:
    folder = _shapes_folder(tmp_path / "big", count=6, size=(256, 256))
    run = vaekit.train({"data": {"source": str(folder)},
                        "model": {"network": "conv", "conv_channels": [4, 8], "latent_dim": 1},
                        "train": {"epochs": 1, "batch_size": 4}}, tmp_path / "run", progress=False)
    assert run.model.sample(1).shape == (1, 3, 256, 256)


def test_a_streamed_folder_reads_the_values_the_in_memory_one_does(tmp_path: Path) -> None:
    from vaekit.data.streaming.readers import ImageFolderRows

    rng = np.random.default_rng(7)
    deep = {f"{i}.png": rng.integers(0, 65536, (9, 13), dtype=np.uint16) for i in range(3)}
    rgba = {f"{i}.png": rng.integers(0, 256, (9, 13, 4), dtype=np.uint8) for i in range(3)}
    for name, images in (("deep", deep), ("rgba", rgba)):
        folder = _folder(tmp_path / name, images)
        reader = ImageFolderRows(folder)
        streamed, _ = reader.read(reader.blocks[0])
        np.testing.assert_array_equal(streamed, _all(load_dataset(folder, test_fraction=0.34)))


def test_network_auto_reads_images_larger_than_64x64_with_conv(tmp_path: Path) -> None:
    from vaekit.model.build import resolve_network

    auto = ModelConfig()
    assert resolve_network(auto, "image", (3, 96, 128)) == "conv"
    assert resolve_network(auto, "image", (1, 64, 64)) == "mlp" and resolve_network(auto, "image", (1, 28, 28)) == "mlp"
    assert resolve_network(ModelConfig(network="mlp"), "image", (3, 96, 128)) == "mlp"  # as asked
    rng = np.random.default_rng(0)
    folder = _folder(tmp_path / "photos", {f"{i}.png": (rng.random((72, 80, 3)) * 255).astype(np.uint8)
                                           for i in range(12)})
    code, output = invoke("train", "--data", folder, "--epochs", "1", "--latent-dim", "2", "--quiet",
                          "--out", tmp_path / "run")
    assert code == 0, output
    assert json.loads((tmp_path / "run" / "config.json").read_text())["config"]["model"]["network"] == "conv"
