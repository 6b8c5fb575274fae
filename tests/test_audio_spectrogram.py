"""Log-mel spectrograms (data/spectrogram.py): values against an independent computation, the frame count, the
round trip through Griffin-Lim, and the settings' checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from vaekit.config import DataConfig
from vaekit.core.errors import ConfigError
from vaekit.data.audio.spectrogram import SpectrogramSettings, log_mel, settings_of, to_audio, valid_frames
from wav_files import tone

SETTINGS = SpectrogramSettings(sample_rate=8000, n_fft=256, hop_length=64, n_mels=32)


def test_log_mel_matches_torch_stft_through_librosa_mel_filters() -> None:
    import librosa

    wave = tone(8000, 0.3, 440.0) + 0.05 * np.random.default_rng(0).standard_normal(2400).astype(np.float32)
    found = log_mel(wave, SETTINGS)
    assert found.shape == (32, 1 + 2400 // 64) and found.dtype == np.float32
    # the same feature computed another way: torch's STFT (centred, zero padding, periodic Hann window)
    spectrum = torch.stft(torch.from_numpy(wave).double(), n_fft=256, hop_length=64, center=True, pad_mode="constant",
                          window=torch.hann_window(256, periodic=True, dtype=torch.float64), return_complex=True)
    power = spectrum.abs().numpy() ** 2
    filters = librosa.filters.mel(sr=8000, n_fft=256, n_mels=32)
    expected = np.log(np.maximum(filters @ power, 1e-6))
    np.testing.assert_allclose(found, expected, atol=2e-4)


def test_a_tone_is_loudest_in_the_mel_band_of_its_pitch_and_silence_sits_at_the_floor() -> None:
    import librosa

    centres = librosa.mel_frequencies(n_mels=32 + 2, fmax=4000)[1:-1]
    for pitch in (300.0, 1000.0, 2500.0):
        found = log_mel(tone(8000, 0.5, pitch), SETTINGS)
        loudest = int(np.bincount(found[:, 5:-5].argmax(0)).argmax())
        assert abs(centres[loudest] - pitch) < 0.1 * pitch, (pitch, centres[loudest])
    silence = log_mel(np.zeros(800, dtype=np.float32), SETTINGS)
    assert np.all(silence == np.float32(math.log(1e-6)))


def test_spectrogram_to_griffin_lim_audio_and_back_is_close() -> None:
    rng = np.random.default_rng(1)
    # a voiced sound: a 200 Hz fundamental and its harmonics, fading with their number, over a little noise
    wave = sum(tone(8000, 0.4, 200.0 * k, 0.3 / k) for k in range(1, 12))
    wave = wave + 0.02 * rng.standard_normal(3200).astype(np.float32)
    original = log_mel(wave, SETTINGS)
    sound = to_audio(original, SETTINGS)
    assert sound.dtype == np.float32 and len(sound) == (original.shape[1] - 1) * 64
    again = log_mel(sound, SETTINGS)
    assert again.shape == original.shape
    # for scale: white noise of the same loudness, which shares nothing but the level
    noise = log_mel(rng.standard_normal(3200).astype(np.float32) * wave.std(), SETTINGS)

    def log_error(found: np.ndarray) -> float:  # mean |difference| of the log-mel values, in nats
        return float(np.abs(found - original).mean())

    def convergence(found: np.ndarray) -> float:  # ||P' - P|| / ||P|| of the mel powers
        return float(np.linalg.norm(np.exp(found) - np.exp(original)) / np.linalg.norm(np.exp(original)))

    assert log_error(again) < 0.6 and convergence(again) < 0.35, (log_error(again), convergence(again))
    assert log_error(noise) > 2.0 and convergence(noise) > 0.8
    # the same spectrogram always gives the same sound (a seeded start)
    np.testing.assert_array_equal(to_audio(original, SETTINGS), sound)


def test_valid_frames_counts_the_frames_before_the_padding() -> None:
    example = np.zeros((4, 10), dtype=np.float32)
    example[:, 6:] = np.nan
    assert valid_frames(example) == 6
    assert valid_frames(np.full((4, 3), np.nan)) == 0


@pytest.mark.parametrize("values, message", [
    ({"hop_length": 1024}, "must not exceed n_fft"),
    ({"floor": 0.0}, "floor must be between 0 and 1"),
    ({"n_mels": 0}, "n_mels >= 1"),
    ({"max_seconds": -1.0}, "max_seconds and frames must be 0 or more"),
])
def test_bad_settings_are_refused_with_their_name(values: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SpectrogramSettings(**values)


def test_too_many_mel_bands_for_the_window_are_refused() -> None:
    with pytest.raises(ConfigError, match="128 mel bands are too many for n_fft 64"):
        log_mel(np.zeros(800, dtype=np.float32), SpectrogramSettings(sample_rate=8000, n_fft=64, hop_length=16,
                                                                      n_mels=128))


def test_settings_come_from_the_data_config_or_from_what_a_run_recorded() -> None:
    cfg = DataConfig(n_mels=20, mel_floor=1e-4, max_seconds=0.5)
    settings = settings_of(cfg)
    assert (settings.n_mels, settings.floor, settings.max_seconds, settings.sample_rate) == (20, 1e-4, 0.5, 0)
    recorded = settings.resolved(8000, 33).to_dict()
    assert settings_of(DataConfig(), {"spectrogram": recorded}) == SpectrogramSettings(**recorded)
    assert SpectrogramSettings.from_dict(recorded).resolved(16000, 50).sample_rate == 8000  # kept once set
    with pytest.raises(ConfigError, match="hop_length"):
        DataConfig(hop_length=600).validate()
