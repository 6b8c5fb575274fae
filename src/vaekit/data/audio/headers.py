"""Recordings checked by their headers before their samples are read, and by their samples once they are.

    check_headers(files, 0, SpectrogramSettings())   # DataError naming the file: a rate below MIN_SAMPLE_RATE,
                                                     # or samples / padded spectrograms past this machine's memory
    check_samples(wave, file)                        # DataError naming the file: NaN or infinite samples

A .wav header says how many frames, at what rate and in how many channels: soundfile.info reads it alone, so a
file that declares a billion frames, or one that would be resampled into a thousand times its length, is refused
before anything is allocated. The examples are padded to the longest recording (data/audio/folder.py), so one
long recording multiplies every example's size: the bound is on the padded spectrograms and on a picture of
them (a 15 x 15 manifold of 2,501-frame spectrograms took 2.7 GB to draw; plots/bounds.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.core import system
from vaekit.core.errors import DataError
from vaekit.data.audio.spectrogram import SpectrogramSettings, audio_library
from vaekit.plots.bounds import picture_bytes

# Below this a file is not speech or music (telephone speech is 8 kHz); resampled to the others' rate it would be
# stretched a thousandfold: one 40-sample file at 1 Hz among 8 kHz files made every example 2,501 frames long.
MIN_SAMPLE_RATE = 1000
FLOAT_BYTES = 4
GB = 1e9
PICTURE_TILES = 225  # the run's manifold picture: 15 x 15 decoded examples (tasks/run_pictures.py)


def _info(file: Path) -> Any:
    soundfile = audio_library("soundfile")
    try:
        return soundfile.info(str(file))
    except (soundfile.LibsndfileError, RuntimeError, OSError, ValueError) as error:
        raise DataError(f"cannot read audio file {file}: {' '.join(str(error).split())}") from None


def check_headers(files: list[Path], sample_rate: int, settings: SpectrogramSettings) -> None:
    """A DataError naming the first file whose header is out of bounds: a sample rate below MIN_SAMPLE_RATE, no
    channels, or samples that (as float32, and as padded log-mel spectrograms of settings.n_mels bands at the
    common rate) would not fit in this machine's memory."""
    headers = [(file, _info(file)) for file in files]
    for file, info in headers:
        if int(info.samplerate) < MIN_SAMPLE_RATE:
            raise DataError(f"{file} is recorded at {int(info.samplerate)} Hz, below the {MIN_SAMPLE_RATE} Hz an audio "
                            "recording needs (resampled to the others' rate it would be stretched past recognition); "
                            "drop it or resample it yourself")
        if int(info.channels) < 1 or int(info.frames) < 0:
            raise DataError(f"cannot read audio file {file}: its header declares {info.channels} channels and "
                            f"{info.frames} frames")
    have = system.host_memory()
    if have is None:
        return
    # every recording is held at once as float32 samples, then as a spectrogram padded to the longest one
    raw = sum(int(info.frames) * int(info.channels) for _, info in headers) * FLOAT_BYTES
    if raw > have:
        largest, file = max((int(info.frames) * int(info.channels), file) for file, info in headers)
        raise DataError(f"the {len(files):,} recordings hold {raw / GB:.1f} GB of samples (the largest, {file}, "
                        f"{largest:,}), more than the {have / GB:.1f} GB of this machine's memory; drop the longest, "
                        "or split them")
    target = sample_rate or Counter(int(info.samplerate) for _, info in headers).most_common(1)[0][0]
    longest, file = max((_samples_at(info, target, settings), file) for file, info in headers)
    frames = settings.frames or settings.frames_of(longest)
    padded = len(files) * settings.n_mels * frames * FLOAT_BYTES
    # a run draws up to PICTURE_TILES of its examples in one picture (a 15 x 15 manifold), each at its frames
    picture = picture_bytes(PICTURE_TILES, (1, settings.n_mels, frames))
    if padded + picture > have:
        raise DataError(f"{file} is the longest recording ({longest:,} samples at {target} Hz): {len(files):,} "
                        f"spectrograms of {frames:,} frames need {padded / GB:.1f} GB and a picture of "
                        f"{PICTURE_TILES} of them {picture / GB:.1f} GB, more than the {have / GB:.1f} GB of this "
                        "machine's memory; drop it, or cut recordings with data.max_seconds (--max-seconds)")


def _samples_at(info: Any, target: int, settings: SpectrogramSettings) -> int:
    """A recording's samples once resampled to `target` Hz and cut to settings.max_seconds (if set)."""
    samples = int(info.frames) * target // max(1, int(info.samplerate))
    if settings.max_seconds:
        samples = min(samples, round(settings.max_seconds * target))
    return samples


def check_samples(wave: np.ndarray, file: Path) -> None:
    """A DataError naming `file` when its samples are not all finite (librosa's STFT refuses them, with a
    traceback)."""
    finite = np.isfinite(wave)
    if not bool(finite.all()):
        raise DataError(f"{file} holds {int((~finite).sum()):,} samples that are not numbers (NaN or infinite) of "
                        f"{wave.size:,}; a recording's samples must be finite: repair or drop it")


__all__ = ["MIN_SAMPLE_RATE", "check_headers", "check_samples"]
