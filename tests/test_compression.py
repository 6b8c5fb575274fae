"""Lossless compression with bits-back coding (vaekit.tasks.compression): exact round trips, a code length close to the
-ELBO, and files that are not what they claim to be refused."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
import torch

import vaekit
from conftest import invoke
from vaekit.core.errors import VaekitError
from vaekit.likelihoods.bernoulli import BernoulliLikelihood
from vaekit.likelihoods.categorical import Categorical256Likelihood
from vaekit.likelihoods.discretized_logistic import DiscretizedLogisticLikelihood
from vaekit.tasks.compression import compress, decompress, neg_elbo_bits, read_header
from vaekit.tasks.compression.alphabet import level_probabilities
from vaekit.tasks.compression.bbans import chunk_sizes
from vaekit.tasks.compression.latent_buckets import LatentBuckets


def _train(out: Path, source: str, **model: object) -> vaekit.VAE:
    config = {"data": {"source": source, "binarize": model.pop("binarize", "none")},
              "model": {"hidden": [64], "latent_dim": 8, **model},
              "train": {"epochs": 2, "batch_size": 64, "seed": 0}}
    vaekit.train(vaekit.Config.from_dict(config), out, progress=False, pictures=False)
    return vaekit.load(out)


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, vaekit.VAE, torch.Tensor]:
    """A Bernoulli model of statically binarized digits, and the digits binarized once (seeded)."""
    run = tmp_path_factory.mktemp("compress") / "binary"
    model = _train(run, "digits", binarize="static")
    x = torch.bernoulli(vaekit.load_dataset("digits").test_x, generator=torch.Generator().manual_seed(0))
    return run, model, x


@pytest.fixture(scope="module")
def eight_bit(tmp_path_factory: pytest.TempPathFactory) -> tuple[vaekit.VAE, torch.Tensor]:
    """A discretized-logistic model of the digits scaled to 8-bit levels (uint8 in a .npy file)."""
    folder = tmp_path_factory.mktemp("compress8")
    digits = vaekit.load_dataset("digits")
    images = np.rint(torch.cat([digits.train_x, digits.test_x]).numpy() * 255).astype(np.uint8)
    np.save(folder / "digits8.npy", images)
    model = _train(folder / "run", str(folder / "digits8.npy"), likelihood="discretized_logistic",
                   logistic_components=2)
    return model, torch.from_numpy(images[-150:]).float() / 255


def _payload_bits(data: bytes) -> tuple[int, int]:
    header = read_header(data)
    return 32 * header["words"], 32 * header["coder"]["initial_words"]


def test_binary_round_trip_is_exact_for_every_example(binary: tuple) -> None:
    _, model, x = binary
    data = compress(model, x, seed=1)
    back = decompress(model, data)
    assert back.dtype == torch.float32 and back.shape == x.shape
    assert all(torch.equal(back[i], x[i]) for i in range(len(x)))
    assert compress(model, x, seed=1) == data  # repeatable; another seed draws other initial words
    assert compress(model, x, seed=2) != data and torch.equal(decompress(model, compress(model, x, seed=2)), x)


def test_binary_code_length_is_the_neg_elbo_within_a_bit_per_example(binary: tuple) -> None:
    """Expected BB-ANS length: sum of -ELBO (with bucketed latents) + the initial words. Tolerance: 1 bit per
    example, for the bucket discretisation (10 bits a dimension: a few tenths of a bit per example here), the
    coder's 24-bit probability precision (far less), the -ELBO's estimate (64 posterior draws each) and the
    randomness of the z each example draws (both average out over the set)."""
    _, model, x = binary
    payload, initial = _payload_bits(compress(model, x))
    elbo = float(neg_elbo_bits(model, x, samples=64).sum())
    assert abs(payload - initial - elbo) <= len(x), (payload, initial, elbo)
    # and far below the 1 bit a pixel of the raw data
    assert payload < 0.8 * x.numel()


def test_eight_bit_round_trip_and_length(eight_bit: tuple) -> None:
    model, x = eight_bit
    data = compress(model, x)
    assert read_header(data)["levels"] == 256
    assert torch.equal(decompress(model, data), x)
    payload, initial = _payload_bits(data)
    elbo = float(neg_elbo_bits(model, x, samples=64).sum())
    assert abs(payload - initial - elbo) <= 2 * len(x), (payload, initial, elbo)
    assert payload < 8 * x.numel()  # below the raw bytes


@pytest.mark.parametrize("change, message", [
    (lambda d: d[:-100] + bytes([d[-100] ^ 1]) + d[-99:], r"damaged: its SHA-256 checksum does not match"),
    (lambda d: d[:-40], r"truncated: \d+ bytes of the \d+ its header announces"),
    (lambda d: d[:100], r"truncated: 100 bytes, fewer than its header alone needs"),
    (lambda d: d[:12], r"truncated: it ends inside its first 14 bytes"),
    (lambda d: b"\x89PNG\r\n\x1a\n" + d[8:], r"not a vaekit compressed file \(\.vkz\)"),
    (lambda d: b"", r"not a vaekit compressed file"),
    (lambda d: d[:8] + (2).to_bytes(2, "little") + d[10:], r"format version 2, but this vaekit reads version 1"),
])
def test_files_that_are_not_what_compress_wrote_are_refused(binary: tuple, change, message: str) -> None:
    _, model, x = binary
    data = compress(model, x[:20])
    with pytest.raises(VaekitError, match=message):
        decompress(model, change(data))


def test_a_file_of_another_model_is_refused(binary: tuple) -> None:
    _, model, x = binary
    other = copy.deepcopy(model)
    with torch.no_grad():
        next(other.decoder.parameters()).add_(1e-3)  # one weight a thousandth off: another model
    with pytest.raises(VaekitError, match="compressed with another model.*the run that compressed it"):
        decompress(other, compress(model, x[:10]))


def test_data_off_the_likelihoods_values_and_unsupported_parts_are_refused(binary: tuple, eight_bit: tuple) -> None:
    _, model, x = binary
    with pytest.raises(VaekitError, match=r"binary data \(0 or 1\), but 180 of 180 examples.*binarize it first"):
        compress(model, vaekit.load_dataset("digits").test_x * 0 + 0.5)
    with pytest.raises(VaekitError, match=r"256-level data.*quantize it first"):
        compress(eight_bit[0], eight_bit[1] + 0.001)
    with pytest.raises(VaekitError, match="x must have shape"):
        compress(model, torch.zeros(3, 1, 9, 9))
    gaussian = vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[8], likelihood="gaussian"), (1, 8, 8))
    with pytest.raises(VaekitError, match="does not give probabilities of a fixed set of values"):
        compress(gaussian, x[:2])
    mixture = vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[8], prior="mixture"), (1, 8, 8))
    with pytest.raises(VaekitError, match="diagonal Gaussian posterior with the standard normal prior"):
        compress(mixture, x[:2])


def test_buckets_have_equal_prior_mass_and_posterior_masses_sum_to_one() -> None:
    buckets = LatentBuckets(6)
    masses = buckets.posterior_masses(torch.tensor([0.0, 3.0, -9.0]), torch.tensor([1.0, 0.01, 0.5]))
    assert torch.allclose(masses[0], torch.full((64,), 1 / 64, dtype=torch.float64))
    assert torch.allclose(masses.sum(1), torch.ones(3, dtype=torch.float64))
    assert int(masses[2].argmax()) == 0 and float(masses[1].max()) > 0.9  # a tail and a narrow posterior
    assert chunk_sizes(10, 4, [1, 1, 2]) == [1, 1, 2, 4, 2]


def test_cli_round_trip_writes_exact_values_and_reports_bits(binary: tuple, tmp_path: Path) -> None:
    run, model, x = binary
    np.save(tmp_path / "x.npy", x.numpy().astype(np.uint8).astype(bool))
    code, output = invoke("compress", run, "--data", tmp_path / "x.npy", "--out", tmp_path / "x.vkz")
    assert code == 0, output
    dims = x.numel()
    data = (tmp_path / "x.vkz").read_bytes()
    assert f"compressed {len(x)} examples ({dims} dimensions) into {len(data)} bytes: " \
           f"{8 * len(data) / dims:.4f} bits/dim" in output
    assert "the model's -ELBO: " in output and "initial words: " in output
    # each long stage said as it starts, and the closing: the file and the command that reverses it
    assert f"compress: {len(x)} examples by bits-back coding (BB-ANS)" in output
    assert f"wrote {tmp_path / 'x.vkz'}" in output and f"next: vaekit decompress {run} {tmp_path / 'x.vkz'}" in output
    code, output = invoke("decompress", run, tmp_path / "x.vkz", "--out", tmp_path / "back.npy")
    assert code == 0, output
    assert f"decompress: {tmp_path / 'x.vkz'} with the run's model ..." in output
    back = np.load(tmp_path / "back.npy")
    assert back.dtype == np.bool_ and np.array_equal(back, np.load(tmp_path / "x.npy"))
    code, output = invoke("decompress", run, tmp_path / "x.vkz", "--out", tmp_path / "back.png")
    assert code == 0, output
    from PIL import Image

    with Image.open(tmp_path / "back.png") as picture:  # the labelled style: readable tiles under a title
        assert picture.size[1] >= 300 and np.asarray(picture.convert("L")).std() > 0
    code, output = invoke("decompress", run, tmp_path / "x.vkz", "--out", tmp_path / "back.csv")
    assert code == 0, output
    table = np.loadtxt(tmp_path / "back.csv", delimiter=",", skiprows=1)
    assert np.array_equal(table[:, 0], np.arange(len(x))) and np.array_equal(table[:, 1:], x.reshape(len(x), -1))
    # the run's own split is binarized as training did, and its ids (rows in the data) kept
    code, output = invoke("compress", run, "--out", tmp_path / "own.vkz")
    assert code == 0, output
    ids = read_header((tmp_path / "own.vkz").read_bytes())["ids"]
    assert len(ids) == 180 and ids == vaekit.load_dataset("digits").examples("test")[2].tolist()
    assert math.isfinite(float(output.split("-ELBO: ")[1].split()[0]))


@pytest.mark.parametrize("likelihood, outputs", [
    (DiscretizedLogisticLikelihood((1, 3, 3), components=3), 9), (Categorical256Likelihood((1, 3, 3)), 256),
    (BernoulliLikelihood((1, 3, 3)), 1)])
def test_level_tables_are_the_likelihoods_probabilities(likelihood, outputs: int) -> None:
    """The table compress codes with (an 8-bit distribution's own level_probs, else exp(log_prob) per level) gives
    every level the probability log_prob gives it, and sums to 1 per element."""
    px = likelihood(2 * torch.randn(4, outputs, 1, 3, 3, generator=torch.Generator().manual_seed(0)))
    levels = 2 if outputs == 1 else 256
    table = level_probabilities(px, levels)
    base = px.base_dist
    values = torch.arange(levels, dtype=torch.float32) / (levels - 1)
    expected = torch.stack([base.log_prob(v.expand(base.batch_shape)).reshape(-1) for v in values], 1).double().exp()
    assert table.shape == (36, levels)
    assert torch.allclose(table, expected, rtol=1e-3, atol=1e-6)
    assert torch.allclose(table.sum(1), torch.ones(36, dtype=torch.float64), atol=1e-6)


def test_a_model_of_data_with_missing_values_compresses_complete_data(binary: tuple) -> None:
    """A run trained with missing: model scores p(x|z) through the observed-entries wrapper; complete data are
    coded with p(x|z) itself, exactly."""
    _, _, x = binary
    torch.manual_seed(0)
    model = vaekit.build_model(vaekit.ModelConfig(latent_dim=3, hidden=[16], encoder_mask=True), (1, 8, 8)).eval()
    data = compress(model, x[:20], seed=1)
    assert torch.equal(decompress(model, data), x[:20])


def test_consecutive_ids_are_stored_as_their_first_and_come_back(digits_run) -> None:  # type: ignore[no-untyped-def]
    """A named data set's test split has ids a..a+N-1 (60000..69999 for Fashion-MNIST): a list of them made the
    header 11% of a compressed file; the first id says it all, and decompress gives every id back."""
    import numpy as np

    import vaekit
    from vaekit.tasks.compression import compress
    from vaekit.tasks.compression.api import header_ids, read_header

    model = vaekit.load(digits_run)
    x = (vaekit.load_dataset("digits").test_x[:40] > 0.5).float()
    ranged = read_header(compress(model, x, ids=np.arange(500, 540)))
    listed = read_header(compress(model, x, ids=np.arange(40) * 3))
    plain = read_header(compress(model, x, ids=np.arange(40)))
    named = read_header(compress(model, x, ids=np.array([f"a{i}.png" for i in range(40)])))
    assert ranged["ids"] == {"first": 500} and np.array_equal(header_ids(ranged), np.arange(500, 540))
    assert np.array_equal(header_ids(listed), np.arange(40) * 3) and plain["ids"] is None
    assert np.array_equal(header_ids(plain), np.arange(40)) and header_ids(named)[3] == "a3.png"
