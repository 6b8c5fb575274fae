"""Every count and size is bounded by memory before the work (issue 22, must-have 2): the values the estimates
compute and the limits they set, for text models, pictures, arrays, token ids and recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import vaekit
from vaekit.core.errors import ConfigError, DataError
from vaekit.data import load_dataset
from vaekit.data.audio.headers import MIN_SAMPLE_RATE, check_headers
from vaekit.data.audio.spectrogram import SpectrogramSettings
from vaekit.data.dataset import Dataset
from vaekit.data.text.options import TextOptions
from vaekit.data.text.reader import check_text_fits
from vaekit.model.size import (
    FLOAT_BYTES,
    check_output_fits,
    check_picture_fits,
    check_training_fits,
    model_sizes,
    output_bytes,
    training_bytes,
)
from vaekit.plots.bounds import MAX_TILES, picture_bytes, tile_pixels
from wav_files import tone, write_wav

TEXT_MODEL = {"network": "rnn", "likelihood": "autoregressive", "rnn_hidden": 8, "embedding_dim": 4, "latent_dim": 2,
              "hidden": [16]}


def _memory(monkeypatch: pytest.MonkeyPatch, nbytes: float) -> None:
    monkeypatch.setattr("vaekit.core.system.host_memory", lambda: int(nbytes))


def _text_config(batch: int = 4) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "lines.txt"}, "model": TEXT_MODEL,
                                    "train": {"epochs": 1, "batch_size": batch}})


def _text_data(vocabulary: int, length: int, rows: int = 6) -> Dataset:
    """Token ids (rows, length) with a vocabulary of `vocabulary` words (the 4 special tokens first)."""
    x = np.full((rows, length), 4, dtype=np.float32)
    data = Dataset.from_arrays("t", x, x[:2], None, None, kind="text", source="here")
    data.vocabulary = ["<pad>", "<unk>", "<s>", "</s>", *(f"w{i}" for i in range(vocabulary - 4))]
    return data


# --- text: length x vocabulary logits ---------------------------------------------------------------------------


def test_a_text_models_decoder_outputs_are_its_vocabulary_and_images_one() -> None:
    config = _text_config()
    assert model_sizes(config.model, (9,), "text", vocabulary_size=50)[1] == 50
    image = vaekit.Config.from_dict({"model": {"latent_dim": 2, "hidden": [16]}}).model
    assert model_sizes(image, (1, 8, 8), "image")[1] == 1


def test_the_training_estimate_grows_with_vocabulary_times_length() -> None:
    config = _text_config(batch=4)

    def batch_bytes(vocabulary: int, length: int) -> int:
        data = _text_data(vocabulary, length)
        parameters, outputs = model_sizes(config.model, data.shape, "text", vocabulary_size=vocabulary)
        assert outputs == vocabulary
        weights = parameters * 4 * FLOAT_BYTES
        return training_bytes(config, data, parameters, outputs) - weights - 8 * length * FLOAT_BYTES

    # one batch of 4 examples: length x vocabulary logits each, and the latent
    assert batch_bytes(100, 10) == 4 * (10 * 100 + 2) * FLOAT_BYTES
    assert batch_bytes(200, 10) - batch_bytes(100, 10) == 4 * 10 * 100 * FLOAT_BYTES
    assert batch_bytes(100, 30) - batch_bytes(100, 10) == 4 * 20 * 100 * FLOAT_BYTES


def test_a_two_million_word_vocabulary_is_refused_naming_the_logits(monkeypatch: pytest.MonkeyPatch) -> None:
    config, data = _text_config(batch=64), _text_data(2_000_000, 9)
    _memory(monkeypatch, 1e9)
    with pytest.raises(ConfigError, match=r"9 tokens a sentence x 2,000,000 logits each \(the vocabulary\).*more "
                       r"than the 1\.0 GB.*--max-length, --min-count, --max-vocabulary"):
        check_training_fits(config, data, None, torch.device("cpu"))


def test_text_ids_past_memory_are_refused_before_they_are_allocated(monkeypatch: pytest.MonkeyPatch) -> None:
    _memory(monkeypatch, 1e8)
    check_text_fits(1000, 1000, TextOptions(max_length=1000), "lines.txt")  # 4 MB
    with pytest.raises(DataError, match=r"lines\.txt: 1,000 examples padded to max_length 1,000,000 "
                       r"\(--max-length\) need 4\.00 GB of token ids, more than the 0\.10 GB"):
        check_text_fits(1000, 1_000_000, TextOptions(max_length=1_000_000), "lines.txt")
    with pytest.raises(DataError, match=r"the longest example, 1,000,000 tokens \(max_length 0 takes it\)"):
        check_text_fits(1000, 1_000_000, TextOptions(max_length=0), "lines.txt")


def test_a_long_max_length_on_a_real_file_is_refused_by_the_reader(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lines.txt").write_text("a b c\nd e\n" * 5)
    _memory(monkeypatch, 1e7)
    load_dataset(str(tmp_path / "lines.txt"), text=TextOptions(max_length=100))  # 10 x 101 ids
    with pytest.raises(DataError, match=r"10 examples padded to max_length 1,000,000"):
        load_dataset(str(tmp_path / "lines.txt"), text=TextOptions(max_length=1_000_000))


# --- pictures and arrays ------------------------------------------------------------------------------------------


def test_a_picture_holds_at_most_its_tiles_and_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    _memory(monkeypatch, 1e12)
    check_picture_fits(MAX_TILES, "samples", "-n 4096")
    check_picture_fits(100, "steps", "--steps 98", per_row=512)
    with pytest.raises(ConfigError, match=r"^-n 4097: a picture of 4,097 samples is too large \(about 1\.7 GB to "
                       r"draw; this machine has 1000\.0 GB\): a picture shows at most 4,096; .*write \.npy for more$"):
        check_picture_fits(MAX_TILES + 1, "samples", "-n 4097")
    with pytest.raises(ConfigError, match=r"--steps 600: a picture row of 513 steps is too wide: a row shows at "
                       r"most 512"):
        check_picture_fits(513, "steps", "--steps 600", per_row=513)


def test_large_tiles_cost_their_own_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 2,501-frame spectrogram is drawn at its own width; an 8x8 digit enlarged to 64 x 64
    assert tile_pixels((1, 40, 2501)) == 64 * 2501 and tile_pixels((1, 8, 8)) == 64 * 64
    assert picture_bytes(225, (1, 40, 2501)) == 225 * 64 * 2501 * 100
    _memory(monkeypatch, 1e9)
    with pytest.raises(ConfigError, match=r"--steps 15: a picture of 225 manifold images is too large \(about 3\.6 "
                       r"GB to draw; this machine has 1\.0 GB\): a picture shows at most 62;"):
        check_picture_fits(225, "manifold images", "--steps 15", tile_shape=(1, 40, 2501))
    with pytest.raises(ConfigError, match=r"a row shows at most 13"):
        check_picture_fits(14, "steps", "--steps 12", per_row=14, tile_shape=(1, 40, 2501))


def test_a_small_machine_draws_fewer_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    _memory(monkeypatch, picture_bytes(1000))
    check_picture_fits(1000, "samples", "-n 1000")
    with pytest.raises(ConfigError, match=r"a picture shows at most 1,000"):
        check_picture_fits(1001, "samples", "-n 1001")


def test_outputs_are_counted_with_their_copies_and_name_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    assert output_bytes(10, (3, 4), copies=5) == 10 * 12 * 5 * FLOAT_BYTES
    _memory(monkeypatch, 2e9)
    check_output_fits(1000, (100,), "samples", "-n 1000", copies=5000)  # exactly 2 GB
    with pytest.raises(ConfigError, match=r"^--k 1001: 1,001 draws of shape \(100,\) \(5,000 floats an element\) need "
                       r"2\.0 GB, more than the 2\.0 GB of this machine's memory; ask for fewer$"):
        check_output_fits(1001, (100,), "draws", "--k 1001", copies=5000)


# --- recordings: headers before samples ---------------------------------------------------------------------------


def _clips(folder: Path, rate: int = 8000) -> list[Path]:
    return [write_wav(folder / f"{i}.wav", tone(rate, 0.2, 400.0 + 100 * i), rate) for i in range(3)]


def test_headers_bound_the_samples_and_the_padded_spectrograms(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    files = _clips(tmp_path)  # 1,600 samples each at 8 kHz: 13 frames of 40 mel bands
    settings = SpectrogramSettings()
    samples = 3 * 1600 * 4
    _memory(monkeypatch, 3 * 40 * 13 * 4 + picture_bytes(225, (1, 40, 13)))  # more than the samples
    check_headers(files, 0, settings)
    _memory(monkeypatch, samples - 1)
    with pytest.raises(DataError, match=r"the 3 recordings hold 0\.0 GB of samples \(the largest, .*\.wav, 1,600\)"):
        check_headers(files, 0, settings)
    # a run's frame count pads every recording to it: 3 x 40 x 100,000 floats, and a picture of 225 of them
    need = 3 * 40 * 100_000 * 4 + picture_bytes(225, (1, 40, 100_000))
    _memory(monkeypatch, need)
    check_headers(files, 0, SpectrogramSettings(frames=100_000))
    _memory(monkeypatch, need - 1)
    with pytest.raises(DataError, match=r"longest recording \(1,600 samples at 8000 Hz\): 3 spectrograms of "
                       r"100,000 frames need 0\.0 GB and a picture of 225 of them 144\.0 GB, more than the 144\.0 GB"):
        check_headers(files, 0, SpectrogramSettings(frames=100_000))


def test_a_recording_below_the_least_sample_rate_is_refused_by_name(tmp_path: Path) -> None:
    import soundfile

    files = _clips(tmp_path)
    soundfile.write(tmp_path / "slow.wav", np.zeros(40, np.float32), MIN_SAMPLE_RATE - 1, subtype="PCM_16")
    with pytest.raises(DataError, match=rf"slow\.wav is recorded at {MIN_SAMPLE_RATE - 1} Hz, below the "
                       rf"{MIN_SAMPLE_RATE} Hz"):
        check_headers([*files, tmp_path / "slow.wav"], 0, SpectrogramSettings())
    # a rate above the least one is resampled as before
    soundfile.write(tmp_path / "slow.wav", np.zeros(400, np.float32), MIN_SAMPLE_RATE, subtype="PCM_16")
    data = load_dataset(str(tmp_path))
    assert len(data.train_x) + len(data.test_x) == 4


def test_the_traversal_api_is_bounded_before_it_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    from vaekit.model.build import build_model
    from vaekit.tasks.traversals import traversals

    model = build_model(vaekit.ModelConfig(latent_dim=2, hidden=[16]), (1, 8, 8), "image")
    _memory(monkeypatch, 1e9)
    assert traversals(model, torch.rand(1, 1, 8, 8), steps=5).decoded.shape == (1, 2, 5, 1, 8, 8)
    with pytest.raises(ConfigError, match=r"^steps=100000000: 200,000,000 traversal images of shape \(1, 8, 8\) "
                       r"need 51\.2 GB, more than the 1\.0 GB"):
        traversals(model, torch.rand(1, 1, 8, 8), steps=100_000_000)


def test_the_interpolation_api_is_bounded_before_it_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    from vaekit.model.build import build_model
    from vaekit.tasks.outputs import interpolate

    model = build_model(vaekit.ModelConfig(latent_dim=2, hidden=[16]), (1, 8, 8), "image")
    _memory(monkeypatch, 1e9)
    ends = torch.rand(2, 1, 8, 8)
    assert interpolate(model, ends[0], ends[1], steps=4).shape == (4, 1, 8, 8)
    with pytest.raises(ConfigError, match=r"^steps=10000000: 10,000,000 interpolation steps .* need 2\.6 GB"):
        interpolate(model, ends[0], ends[1], steps=10_000_000)


def test_decoding_counts_a_text_models_step_logits_and_an_images_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    from vaekit.model.build import build_model
    from vaekit.model.size import check_decoded_fits, decoding_bytes

    image = build_model(vaekit.ModelConfig(latent_dim=2, hidden=[16]), (1, 8, 8), "image")
    # 64 pixels: the example 3 times, and a Bernoulli's logit and mean for each
    assert decoding_bytes(image) == (64 * 3 + 64 * 1 * 2) * FLOAT_BYTES
    text = build_model(_text_config().model, (9,), "text", vocabulary_size=50)
    # 9 tokens: the example 3 times; one step's 50 logits 3 times and the int64 ids, for each prefix of a beam
    assert decoding_bytes(text) == (9 * 3 + 50 * 3 + 2 * 9) * FLOAT_BYTES
    assert decoding_bytes(text, beam=5) == (9 * 3 + 5 * (50 * 3 + 2 * 9)) * FLOAT_BYTES
    _memory(monkeypatch, 2 * 1000 * decoding_bytes(text))
    check_decoded_fits(text, 1000, "samples", "-n 1000")  # half the memory: the rest for hidden states
    with pytest.raises(ConfigError, match=r"^-n 1001: 1,001 samples need about .* GB to decode \(780 bytes each: "
                       r"the examples of shape \(9,\) and the decoder's outputs\), more than half of the"):
        check_decoded_fits(text, 1001, "samples", "-n 1001")


def test_the_python_pictures_are_bounded_before_decoding(digits_run) -> None:
    import vaekit
    from vaekit.core.errors import VaekitError
    from vaekit.tasks.images import manifold_figure, reconstructions_picture, samples_picture

    model = vaekit.load(digits_run)
    with pytest.raises(VaekitError, match=r"n=1,000,000: a picture of 1,000,000 samples is too large"):
        samples_picture(model, n=1_000_000)
    with pytest.raises(VaekitError, match=r"steps=1,000: a picture of 1,000,000 manifold images"):
        manifold_figure(model, torch.eye(2), steps=1000)
    with pytest.raises(VaekitError, match=r"5,000 examples: a picture of 10,000 inputs and reconstructions"):
        reconstructions_picture(model, torch.rand(5000, 1, 8, 8))
    assert len(samples_picture(model, n=16).axes) >= 1  # a picture of the usual size is drawn
