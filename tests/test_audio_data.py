"""Folders of .wav recordings (data/audio.py, the fsdd source): labels from file names or subfolders, padding,
resampling and mixing down (said once), cutting, and FSDD itself when it is on this machine."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from vaekit.core.errors import DataError
from vaekit.data import load_dataset
from vaekit.data.audio.folder import pad_frames
from vaekit.data.audio.spectrogram import SpectrogramSettings, log_mel
from wav_files import tone, write_digits, write_wav

FSDD = Path("/work/shared/datasets/fsdd")
SMALL = SpectrogramSettings(n_fft=256, hop_length=64, n_mels=24)


@pytest.mark.slow
def test_fsdd_names_give_digit_labels_speaker_factors_and_the_index_0_to_4_test_split(tmp_path) -> None:
    write_digits(tmp_path / "clips")
    data = load_dataset(tmp_path / "clips", spectrogram=SMALL)
    assert data.kind == "audio" and data.own_split
    assert (len(data.train_x), len(data.test_x)) == (3 * 2 * 2, 3 * 2 * 5)  # index 5, 6 train; 0-4 test
    x, y, ids = data.examples("test")
    assert list(ids[:3]) == ["0_ann_0.wav", "0_ann_1.wav", "0_ann_2.wav"]
    assert y.tolist() == [int(name[0]) for name in ids]
    assert data.factor_names == ["digit", "speaker"] and data.class_names == [str(d) for d in range(10)]
    assert data.factors("test")[:, 1].tolist() == [0.0 if "_ann_" in name else 1.0 for name in ids]
    # the longest recording sets the frames: bob's index 6, 0.26 s at 8 kHz = 2080 samples
    assert data.shape == (1, 24, 1 + 2080 // 64)
    assert data.spectrogram == SMALL.resolved(8000, 1 + 2080 // 64)


def test_each_example_is_its_recordings_log_mel_then_nan_padding(tmp_path) -> None:
    write_wav(tmp_path / "a" / "short.wav", tone(8000, 0.2, 700.0), 8000)
    write_wav(tmp_path / "a" / "long.wav", tone(8000, 0.4, 700.0), 8000)
    write_wav(tmp_path / "b" / "other.wav", tone(8000, 0.3, 1500.0), 8000)
    data = load_dataset(tmp_path, spectrogram=SMALL, test_fraction=0.3)
    x, y, ids = data.examples("all")
    assert list(ids) == ["a/long.wav", "a/short.wav", "b/other.wav"] and y.tolist() == [0, 0, 1]
    assert data.class_names == ["a", "b"] and not data.own_split
    short = x[1, 0]
    import soundfile

    stored, _ = soundfile.read(tmp_path / "a" / "short.wav", dtype="float32")  # the 16-bit values of `wave`
    expected = log_mel(stored, SMALL.resolved(8000, 0))
    frames = expected.shape[1]
    np.testing.assert_array_equal(short[:, :frames].numpy(), expected)
    assert bool(torch.isnan(short[:, frames:]).all()) and short.shape[1] == 1 + 3200 // 64
    assert not bool(torch.isnan(x[0]).any())  # the longest has no padding


def test_another_sample_rate_is_resampled_and_said_once(tmp_path, capsys) -> None:
    write_wav(tmp_path / "a.wav", tone(8000, 0.3, 600.0), 8000)
    write_wav(tmp_path / "b.wav", tone(8000, 0.3, 600.0), 8000)
    write_wav(tmp_path / "c.wav", tone(16000, 0.3, 600.0), 16000)
    write_wav(tmp_path / "d.wav", tone(22050, 0.3, 600.0), 22050)
    data = load_dataset(tmp_path, spectrogram=SMALL)
    notices = [line for line in capsys.readouterr().err.splitlines() if line.startswith("notice:")]
    assert notices == ["notice: 2 of 4 recordings are not at 8000 Hz (1 at 16000 Hz, 1 at 22050 Hz): resampled to "
                       "8000 Hz (data.sample_rate)"]
    x, _, _ = data.examples("all")
    # the same tone recorded at 16 kHz and brought to 8 kHz has (nearly) the spectrogram of the 8 kHz one
    loud = x[0] > math.log(1e-6) + 4
    assert float((x[2] - x[0]).abs()[loud].mean()) < 0.1
    assert data.spectrogram.sample_rate == 8000


def test_a_chosen_sample_rate_resamples_every_recording(tmp_path, capsys) -> None:
    write_wav(tmp_path / "a.wav", tone(8000, 0.25, 600.0), 8000)
    write_wav(tmp_path / "b.wav", tone(8000, 0.25, 600.0), 8000)
    data = load_dataset(tmp_path, spectrogram=SpectrogramSettings(sample_rate=4000, n_fft=128, hop_length=32,
                                                                  n_mels=16))
    assert "2 of 2 recordings are not at 4000 Hz" in capsys.readouterr().err
    assert data.shape == (1, 16, 1 + 1000 // 32)


def test_several_channels_are_mixed_down_and_said_once(tmp_path, capsys) -> None:
    wave = tone(8000, 0.25, 900.0)
    write_wav(tmp_path / "mono.wav", wave, 8000)
    write_wav(tmp_path / "stereo.wav", wave, 8000, channels=2)
    write_wav(tmp_path / "four.wav", wave, 8000, channels=4)
    data = load_dataset(tmp_path, spectrogram=SMALL)
    err = capsys.readouterr().err
    assert err.count("notice:") == 1
    assert "2 of 3 recordings have 4 channels or more: mixed down to mono (their mean)" in err
    x, _, ids = data.examples("all")
    assert list(ids) == ["four.wav", "mono.wav", "stereo.wav"]
    torch.testing.assert_close(x[0], x[1], rtol=0, atol=0)  # identical channels: their mean is the recording
    torch.testing.assert_close(x[2], x[1], rtol=0, atol=0)


def test_max_seconds_cuts_longer_recordings_and_says_so(tmp_path, capsys) -> None:
    write_wav(tmp_path / "a.wav", tone(8000, 0.5, 600.0), 8000)
    write_wav(tmp_path / "b.wav", tone(8000, 0.1, 600.0), 8000)
    data = load_dataset(tmp_path, spectrogram=SpectrogramSettings(n_fft=256, hop_length=64, n_mels=24,
                                                                  max_seconds=0.2))
    assert "notice: 1 of 2 recordings are longer than 0.2 s (data.max_seconds): cut to that length" in \
        capsys.readouterr().err
    assert data.shape == (1, 24, 1 + 1600 // 64)


def test_a_run_frame_count_pads_shorter_and_cuts_longer_data(capsys) -> None:
    features = [np.ones((3, 4), np.float32), np.ones((3, 9), np.float32)]
    x = pad_frames(features, 6)
    assert x.shape == (2, 1, 3, 6)
    assert bool(np.isnan(x[0, 0, :, 4:]).all()) and not np.isnan(x[1]).any()
    assert "1 of 2 recordings have more than the 6 frames" in capsys.readouterr().err


def test_a_corrupt_recording_is_named(tmp_path) -> None:
    write_wav(tmp_path / "good.wav", tone(8000, 0.2, 600.0), 8000)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage")
    with pytest.raises(DataError, match=r"cannot read audio file .*broken\.wav"):
        load_dataset(tmp_path)


def test_recordings_both_loose_and_in_subfolders_are_refused(tmp_path) -> None:
    write_wav(tmp_path / "a.wav", tone(8000, 0.2, 600.0), 8000)
    write_wav(tmp_path / "sub" / "b.wav", tone(8000, 0.2, 600.0), 8000)
    with pytest.raises(DataError, match="both directly inside and in subfolders"):
        load_dataset(tmp_path)


def test_the_fsdd_source_is_looked_for_in_the_data_folders(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VAEKIT_DATA", str(tmp_path / "data"))
    monkeypatch.setattr("vaekit.data.common.locate.SYSTEM_DATA_DIR", tmp_path / "system")
    with pytest.raises(DataError, match="Free Spoken Digit Dataset is not on this machine.*clone"):
        load_dataset("fsdd")
    write_digits(tmp_path / "data" / "fsdd" / "recordings", digits=2, per_speaker=6)
    data = load_dataset("fsdd", spectrogram=SMALL)
    assert data.name == "fsdd" and (len(data.train_x), len(data.test_x)) == (2 * 2 * 1, 2 * 2 * 5)


@pytest.mark.skipif(not (FSDD / "recordings").is_dir(), reason=f"FSDD is not at {FSDD} on this machine")
def test_the_free_spoken_digit_dataset_by_its_path() -> None:
    data = load_dataset(FSDD / "recordings", spectrogram=SpectrogramSettings(max_seconds=1.0))
    assert (len(data.train_x), len(data.test_x)) == (2700, 300) and data.own_split
    assert data.shape == (1, 40, 1 + 8000 // 128) and data.spectrogram.sample_rate == 8000
    _, y, ids = data.examples("test")
    assert all(int(name.split("_")[2].removesuffix(".wav")) < 5 for name in ids)
    assert np.bincount(y.numpy()).tolist() == [30] * 10  # 6 speakers x 5 recordings per digit
    assert sorted(set(data.factors("all")[:, 1].tolist())) == [0, 1, 2, 3, 4, 5]
