"""Log-mel spectrograms of recordings, and audio back from them by Griffin-Lim, with one set of settings.

    settings = SpectrogramSettings(sample_rate=8000, n_fft=512, hop_length=128, n_mels=40)
    x = log_mel(wave, settings)              # (n_mels, frames) float32, frames = 1 + len(wave) // hop_length
    wave_again = to_audio(x, settings)       # Griffin-Lim (librosa's), the same sample rate

The feature is the natural log of the mel-filtered power spectrum with a floor,

    x[m, t] = ln max(floor, sum_f mel[m, f] |STFT(wave)[f, t]|^2)

(librosa's STFT with a Hann window of n_fft samples every hop_length samples, centred frames; librosa's
Slaney-normalised mel filters from 0 Hz to half the sample rate). The floor (1e-6 by default, ln = -13.8, some
60 dB below speech at full scale) keeps silence finite. The inverse maps the mel power back to a linear-frequency
magnitude by non-negative least squares (librosa.feature.inverse.mel_to_stft) and finds a phase by Griffin-Lim
(librosa.griffinlim, n_iter iterations from a seeded random start), so one spectrogram always gives one sound.

A run keeps its settings in config.json (the data section's "spectrogram"), so that reloading the data, and
turning a model's outputs back into sound, use the same sample rate, frames and filters as training did.
librosa is imported inside the functions: `import vaekit` stays light.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from vaekit.core.errors import ConfigError

MAX_N_FFT = 16_384  # samples in one STFT window: a mel filter bank is n_mels x (n_fft // 2 + 1) floats
GRIFFIN_LIM_ITERATIONS = 32  # librosa's default; more sharpens the phase a little, at a linear cost


@dataclass(frozen=True)
class SpectrogramSettings:
    """How recordings become examples. sample_rate 0: the recordings' own (the most common one); frames 0: as
    many as the longest recording (after max_seconds) needs. A run records them resolved (both set)."""

    sample_rate: int = 0
    n_fft: int = 512
    hop_length: int = 128
    n_mels: int = 40
    floor: float = 1e-6
    max_seconds: float = 0.0  # longer recordings are cut to this length (0: none is cut)
    frames: int = 0

    def __post_init__(self) -> None:
        if self.sample_rate < 0 or self.n_fft < 16 or self.hop_length < 1 or self.n_mels < 1:
            raise ConfigError(f"spectrogram settings need sample_rate >= 0 (0: the recordings' own), n_fft >= 16, "
                              f"hop_length >= 1 and n_mels >= 1; got {self.sample_rate}, {self.n_fft}, "
                              f"{self.hop_length}, {self.n_mels}")
        # bounds before librosa allocates a window and an n_mels x (n_fft // 2 + 1) filter bank (at most 0.3 GB);
        # fewer bands than that are checked against the sample rate where the filters are made (_mel_filters)
        if self.n_fft > MAX_N_FFT:
            raise ConfigError(f"n_fft ({self.n_fft:,}) is past the {MAX_N_FFT:,} samples a window may hold (2 s at "
                              "8 kHz; speech uses 256 to 2048): lower data.n_fft (--n-fft)")
        if self.n_mels > MAX_N_FFT // 2 + 1:
            raise ConfigError(f"{self.n_mels:,} mel bands are more than the {MAX_N_FFT // 2 + 1:,} frequency bins of "
                              f"the largest window (n_fft {MAX_N_FFT:,}): lower data.n_mels (--n-mels)")
        if self.hop_length > self.n_fft:
            raise ConfigError(f"hop_length ({self.hop_length}) must not exceed n_fft ({self.n_fft}): frames would "
                              "skip samples, and Griffin-Lim could not recover them")
        if not 0 < self.floor < 1:
            raise ConfigError(f"the spectrogram floor must be between 0 and 1 (exclusive), got {self.floor}")
        if self.max_seconds < 0 or self.frames < 0:
            raise ConfigError(f"max_seconds and frames must be 0 or more, got {self.max_seconds} and {self.frames}")

    def frames_of(self, samples: int) -> int:
        """The frames of a recording of `samples` samples (centred frames, librosa's default)."""
        return 1 + samples // self.hop_length

    @property
    def max_samples(self) -> int | None:
        """Samples kept of each recording (None: all)."""
        return round(self.max_seconds * self.sample_rate) if self.max_seconds and self.sample_rate else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SpectrogramSettings:
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown spectrogram settings {sorted(unknown)} in a run's config.json")
        return cls(**values)

    def resolved(self, sample_rate: int, frames: int) -> SpectrogramSettings:
        """These settings with the sample rate and frame count fixed (those already set are kept)."""
        return replace(self, sample_rate=self.sample_rate or sample_rate, frames=self.frames or frames)


def audio_library(name: str) -> Any:
    """The module `name` (soundfile, librosa), imported now; a ConfigError saying how to install it if absent."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ConfigError(f"audio data needs the {name} package: pip install 'vaekit[audio]' (soundfile and "
                          "librosa)") from None


def _mel_filters(settings: SpectrogramSettings) -> np.ndarray:
    import warnings

    librosa = audio_library("librosa")

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # librosa warns of mel filters that hold no frequency bin
        try:
            return librosa.filters.mel(sr=settings.sample_rate, n_fft=settings.n_fft, n_mels=settings.n_mels)
        except UserWarning:
            raise ConfigError(f"{settings.n_mels} mel bands are too many for n_fft {settings.n_fft} at "
                              f"{settings.sample_rate} Hz: some would hold no frequency bin; lower data.n_mels or "
                              "raise data.n_fft") from None


def log_mel(wave: np.ndarray, settings: SpectrogramSettings) -> np.ndarray:
    """(n_mels, 1 + len(wave) // hop_length) log-mel power of a mono float waveform at settings.sample_rate."""
    librosa = audio_library("librosa")

    if not settings.sample_rate:
        raise ConfigError("log_mel needs the sample rate: resolve the settings first")
    # a recording shorter than one window is zero-padded by the centred STFT; librosa warns, here it is expected
    power = np.abs(librosa.stft(np.asarray(wave, dtype=np.float32), n_fft=settings.n_fft,
                                hop_length=settings.hop_length, center=True)) ** 2
    mel = _mel_filters(settings) @ power
    return np.log(np.maximum(mel, settings.floor)).astype(np.float32)


def to_audio(features: np.ndarray, settings: SpectrogramSettings, n_iter: int = GRIFFIN_LIM_ITERATIONS,
             seed: int = 0) -> np.ndarray:
    """A waveform (float32, about (frames - 1) * hop_length samples) whose log-mel spectrogram is close to
    `features` (n_mels, frames): mel power -> linear magnitude (NNLS) -> phase by Griffin-Lim. NaN frames
    (padding) must be cut off first."""
    librosa = audio_library("librosa")

    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] != settings.n_mels:
        raise ConfigError(f"a log-mel spectrogram of {settings.n_mels} mels is (n_mels, frames); got "
                          f"{features.shape}")
    # values above ~80 would overflow exp(); a model's outputs can be anything, so clip to a loud but finite power
    power = np.exp(np.clip(features, np.log(settings.floor), 80.0))
    power = np.where(power <= settings.floor, 0.0, power)  # the floor is silence
    magnitude = librosa.feature.inverse.mel_to_stft(power, sr=settings.sample_rate, n_fft=settings.n_fft,
                                                    power=2.0)
    wave = librosa.griffinlim(magnitude, n_iter=n_iter, hop_length=settings.hop_length, n_fft=settings.n_fft,
                              random_state=seed, length=(features.shape[1] - 1) * settings.hop_length)
    return wave.astype(np.float32)


def valid_frames(example: np.ndarray) -> int:
    """The frames of an example (n_mels, T) before its padding (NaN frames at the end)."""
    present = ~np.isnan(example).all(axis=0)
    return int(present.nonzero()[0][-1]) + 1 if present.any() else 0


def settings_of(data_config: Any, run_info: dict[str, Any] | None = None) -> SpectrogramSettings:
    """The spectrogram settings of a run's data section (config.DataConfig); for an existing run, those its
    config.json recorded, resolved (the sample rate and frame count its model was trained with)."""
    if run_info is not None and run_info.get("spectrogram"):
        return SpectrogramSettings.from_dict(run_info["spectrogram"])
    return SpectrogramSettings(sample_rate=data_config.sample_rate, n_fft=data_config.n_fft,
                               hop_length=data_config.hop_length, n_mels=data_config.n_mels,
                               floor=data_config.mel_floor, max_seconds=data_config.max_seconds)
