"""Audio data (folders of .wav recordings, fsdd): a corrupt recording, an empty folder, recordings loose and in
subfolders, FSDD nowhere on the machine, spectrogram settings that cannot work, a missing audio library, and the
spectrogram network on data that are not spectrograms. (Another sample rate and several channels are not errors:
they are resampled and mixed down with a notice, tests/test_audio_data.py.)"""

from __future__ import annotations

import sys

import numpy as np

from bad_inputs.case import Case, Workspace
from wav_files import tone, write_wav

TRAIN = ["--epochs", "1", "--out", "{root}/new"]


def _clips(w: Workspace) -> None:
    for index in range(3):
        write_wav(w.path(f"clips/{index}.wav"), tone(8000, 0.2, 400.0 + 100 * index), 8000)


def _corrupt(w: Workspace) -> None:
    _clips(w)
    w.write("clips/broken.wav", b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage")


def _mixed_layout(w: Workspace) -> None:
    _clips(w)
    write_wav(w.path("clips/sub/x.wav"), tone(8000, 0.2, 500.0), 8000)


def _no_fsdd(w: Workspace) -> None:
    w.monkeypatch.setenv("HOME", str(w.root))
    w.monkeypatch.delenv("VAEKIT_DATA", raising=False)
    w.monkeypatch.setattr("vaekit.data.common.locate.SYSTEM_DATA_DIR", w.root / "none")


def _no_soundfile(w: Workspace) -> None:
    _clips(w)
    w.monkeypatch.setitem(sys.modules, "soundfile", None)  # as if it were not installed


def _vectors(w: Workspace) -> None:
    np.save(w.path("x.npy"), np.random.default_rng(0).random((20, 5), dtype=np.float32))


CASES = [
    Case("audio-corrupt-wav", r"cannot read audio file .*broken\.wav", ["train", "--data", "{root}/clips", *TRAIN],
         setup=_corrupt),
    Case("audio-corrupt-wav-given-to-a-run", r"cannot read audio file .*broken\.wav",
         ["reconstruct", "{run}", "--data", "{root}/clips", "--out", "{root}/r"], setup=_corrupt),
    Case("audio-empty-folder", r"empty has no .* images \(nor \.wav recordings\)",
         ["train", "--data", "{root}/empty", *TRAIN], setup=lambda w: w.path("empty").mkdir()),
    Case("audio-loose-and-subfolders", r"\.wav recordings both directly inside and in subfolders",
         ["train", "--data", "{root}/clips", *TRAIN], setup=_mixed_layout),
    Case("audio-fsdd-absent", r"Free Spoken Digit Dataset is not on this machine.*clone",
         ["train", "--data", "fsdd", *TRAIN], setup=_no_fsdd),
    Case("audio-hop-longer-than-window", r"hop_length \(1024\) must not exceed n_fft \(512\)",
         ["train", "--data", "{root}/clips", "--hop-length", "1024", *TRAIN], setup=_clips),
    Case("audio-too-many-mel-bands", r"200 mel bands are too many for n_fft 64 at 8000 Hz.*lower data.n_mels",
         ["train", "--data", "{root}/clips", "--n-fft", "64", "--hop-length", "16", "--n-mels", "200", *TRAIN],
         setup=_clips),
    Case("audio-floor-not-a-fraction", r"floor must be between 0 and 1",
         ["train", "--data", "{root}/clips", "--mel-floor", "0", *TRAIN], setup=_clips),
    Case("audio-soundfile-missing", r"audio data needs the soundfile package: pip install 'vaekit\[audio\]'",
         ["train", "--data", "{root}/clips", *TRAIN], setup=_no_soundfile),
    Case("audio-spectrogram-network-on-vectors", r"the spectrogram network takes spectrograms.*use --network mlp",
         ["train", "--data", "{root}/x.npy", "--network", "spectrogram", *TRAIN], setup=_vectors),
]
