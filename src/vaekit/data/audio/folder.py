"""A folder of .wav recordings as log-mel spectrograms (data kind "audio"), read with soundfile.

    digits/                         ->  class_names ["one", "two"], split by seed
      one/a.wav  one/b.wav ...
      two/c.wav ...
    recordings/                     ->  the Free Spoken Digit Dataset's names {digit}_{speaker}_{index}.wav:
      0_george_0.wav ...                label = the digit, factors (digit, speaker), its own split: index 0-4 test
    clips/                          ->  other names directly inside: unlabelled, split by seed
      a.wav b.wav

Each recording becomes its log-mel spectrogram (data/spectrogram.py), one example of shape (1, n_mels, T): the
channel axis lets image networks and pictures apply. T is the frame count of the longest recording (or the run's,
on a reload); shorter recordings are padded with NaN frames at the end, which the model treats as unobserved: the
likelihood scores real frames only and the encoder reads the mask (likelihoods/observed.py), so padding never
changes a recording's score. A recording at another sample rate is resampled (soxr, through librosa.resample) and
one with several channels mixed down to their mean; each is said once, in a `notice:` line. A file soundfile
cannot read stops the load with one line naming it.

Every header is read (soundfile.info: frames, sample rate, channels) and checked before any samples are
(data/audio/headers.py): a rate below MIN_SAMPLE_RATE (one 40-sample file at 1 Hz among 8 kHz files, resampled,
made every example 2,501 frames long) or recordings whose samples or padded spectrograms would not fit in memory
are refused naming the file; a recording holding NaN or infinite samples is refused naming it too.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.notices import notice
from vaekit.data.audio.headers import check_headers, check_samples
from vaekit.data.audio.spectrogram import SpectrogramSettings, audio_library, log_mel
from vaekit.data.common.file_folders import files_in, labelled_files
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset

AUDIO_SUFFIXES = (".wav",)
# the Free Spoken Digit Dataset's file names: digit, speaker, the recording's number (0-4: the test split)
FSDD_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[^_]+)_(?P<index>\d+)\.wav$", re.IGNORECASE)
FSDD_TEST_INDICES = range(5)




def is_audio_folder(folder: Path) -> bool:
    """Whether a folder holds .wav recordings, directly or in its subfolders (one level down)."""
    if files_in(folder, AUDIO_SUFFIXES):
        return True
    return any(sub.is_dir() and files_in(sub, AUDIO_SUFFIXES) for sub in folder.iterdir())


def load_audio_folder(folder: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """An audio Dataset of every .wav in folder (or in its class subfolders), as padded log-mel spectrograms."""
    files, labels, class_names = labelled_files(folder, AUDIO_SUFFIXES, ".wav recordings", missing=(
        f"{folder} has no .wav recordings, directly or in class subfolders"))
    settings = options.spectrogram or SpectrogramSettings()
    waves, rate = read_recordings(files, settings.sample_rate, settings)
    settings = settings.resolved(rate, 0)
    waves = _cut(waves, settings.max_samples, f"longer than {settings.max_seconds:g} s (data.max_seconds)")
    features = [log_mel(wave, settings) for wave in waves]
    frames = settings.frames or max(example.shape[1] for example in features)
    settings = settings.resolved(rate, frames)
    x = pad_frames(features, frames)
    ids = np.array([file.relative_to(folder).as_posix() for file in files])
    factors, factor_names, test = None, None, None
    if labels is None and all(FSDD_NAME.match(file.name) for file in files):
        labels, factors, factor_names, test, class_names = _fsdd_labels(files)
    if test is not None:
        rows = (np.flatnonzero(~test), np.flatnonzero(test))
        if not len(rows[0]) or not len(rows[1]):
            # FSDD's own split needs recordings numbered 0-4 and others; without both, split by seed instead
            test = None
    if test is None:
        *_, rows = split_with_rows(x, labels, options.split_fraction, options.seed)
    train, held = rows
    data = Dataset.from_arrays(
        name or str(folder), x[train], x[held], None if labels is None else labels[train],
        None if labels is None else labels[held], kind="audio", source=str(folder), class_names=class_names,
        rows=rows, ids=ids, own_split=test is not None, missing=True,
        factors=None if factors is None else (factors[train], factors[held]), factor_names=factor_names)
    data.spectrogram = settings  # what a run records (audio_kind.run_info) and the outputs are turned back with
    return data


def pad_frames(features: list[np.ndarray], frames: int) -> np.ndarray:
    """(N, 1, n_mels, frames) float32: each (n_mels, t) example, then NaN frames (padding) up to `frames`; longer
    examples are cut to `frames`, with a notice."""
    long = sum(example.shape[1] > frames for example in features)
    if long:
        notice(f"{long} of {len(features)} recordings have more than the {frames} frames this run's examples hold: "
               "cut to that length")
    x = np.full((len(features), 1, features[0].shape[0], frames), np.nan, dtype=np.float32)
    for row, example in enumerate(features):
        kept = example[:, :frames]
        x[row, 0, :, :kept.shape[1]] = kept
    return x


def read_recordings(files: list[Path], sample_rate: int = 0, settings: SpectrogramSettings | None = None
                    ) -> tuple[list[np.ndarray], int]:
    """The recordings as mono float32 waveforms at one sample rate: `sample_rate`, or (0) the most common one
    among the files. Others are resampled and several channels mixed down, each said once. The headers are
    checked first (headers.check_headers, against `settings`' frames), the samples as read (finite)."""
    soundfile = audio_library("soundfile")
    check_headers(files, sample_rate, settings or SpectrogramSettings())
    read = []
    for file in files:
        try:
            wave, rate = soundfile.read(file, dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError, OSError, ValueError) as error:
            raise DataError(f"cannot read audio file {file}: {' '.join(str(error).split())}") from None
        check_samples(wave, file)
        read.append((wave, int(rate)))
    rates = Counter(rate for _, rate in read)
    target = sample_rate or rates.most_common(1)[0][0]
    several = [wave.shape[1] for wave, _ in read if wave.shape[1] > 1]
    if several:
        notice(f"{len(several)} of {len(files)} recordings have {max(several)} channels or more: mixed down to mono "
               "(their mean)")
    other = {rate: count for rate, count in rates.items() if rate != target}
    if other:
        rates_text = ", ".join(f"{count} at {rate} Hz" for rate, count in sorted(other.items()))
        notice(f"{sum(other.values())} of {len(files)} recordings are not at {target} Hz ({rates_text}): resampled "
               f"to {target} Hz (data.sample_rate)")
    waves = []
    for wave, rate in read:
        mono = wave.mean(axis=1) if wave.shape[1] > 1 else wave[:, 0]
        if rate != target:
            mono = audio_library("librosa").resample(mono, orig_sr=rate, target_sr=target, res_type="soxr_hq")
        waves.append(np.ascontiguousarray(mono, dtype=np.float32))
    return waves, target


def _cut(waves: list[np.ndarray], samples: int | None, why: str) -> list[np.ndarray]:
    if samples is None:
        return waves
    long = sum(len(wave) > samples for wave in waves)
    if long:
        notice(f"{long} of {len(waves)} recordings are {why}: cut to that length")
    return [wave[:samples] for wave in waves]


def _fsdd_labels(files: list[Path]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, list[str]]:
    """Labels (the digit), factors (digit, speaker number), their names, the test mask (index 0-4) and the class
    names of recordings named as the Free Spoken Digit Dataset names them."""
    matches = [FSDD_NAME.match(file.name) for file in files]
    digits = np.array([int(found["digit"]) for found in matches], dtype=np.int64)
    speakers = sorted({found["speaker"] for found in matches})
    speaker = np.array([speakers.index(found["speaker"]) for found in matches], dtype=np.float32)
    test = np.array([int(found["index"]) in FSDD_TEST_INDICES for found in matches])
    factors = np.column_stack([digits.astype(np.float32), speaker])
    return digits, factors, ["digit", "speaker"], test, [str(digit) for digit in range(10)]


def speaker_names(ids: np.ndarray) -> list[str]:
    """The sorted speaker names of FSDD-named recordings (the speaker factor's values 0..S-1 stand for them)."""
    return sorted({FSDD_NAME.match(Path(str(file)).name)["speaker"] for file in ids})
