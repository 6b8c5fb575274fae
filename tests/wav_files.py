"""Small .wav files for the audio tests: tones and FSDD-named folders, written with soundfile."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def tone(rate: int, seconds: float, frequency: float, amplitude: float = 0.3) -> np.ndarray:
    """A sine of `frequency` Hz, faded in and out over 10 ms (no click at the ends), float32."""
    t = np.arange(round(rate * seconds)) / rate
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
    return (amplitude * fade * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def write_wav(path: Path, wave: np.ndarray, rate: int, channels: int = 1) -> Path:
    """`wave` (mono) written as 16-bit PCM with `channels` identical channels."""
    import soundfile

    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, np.repeat(wave[:, None], channels, axis=1), rate, subtype="PCM_16")
    return path


def write_digits(folder: Path, rate: int = 8000, speakers: tuple[str, ...] = ("ann", "bob"), digits: int = 3,
                 per_speaker: int = 7) -> Path:
    """An FSDD-like folder {digit}_{speaker}_{index}.wav: each digit a tone of its own pitch, each speaker a
    loudness and a length of their own, each recording a little longer than the one before."""
    for digit in range(digits):
        for s, speaker in enumerate(speakers):
            for index in range(per_speaker):
                seconds = 0.15 + 0.05 * s + 0.01 * index
                write_wav(folder / f"{digit}_{speaker}_{index}.wav",
                          tone(rate, seconds, 300.0 * (digit + 1), 0.2 + 0.2 * s), rate)
    return folder
