"""The Free Spoken Digit Dataset (Jackson et al., FSDD): 3,000 recordings of the digits 0-9, 6 speakers, 8 kHz.

    ds = load_dataset("fsdd")                         # looked for in $VAEKIT_DATA/fsdd, ~/.cache/vaekit/fsdd, ...
    ds = load_dataset("/data/free-spoken-digit-dataset/recordings")   # the same, by its folder
    ds.train_x.shape                                  # (2700, 1, 40, T): log-mel spectrograms, NaN-padded
    ds.factor_names                                   # ['digit', 'speaker']

Its files are named {digit}_{speaker}_{index}.wav: the label is the digit, the speaker a second factor, and the
recordings numbered 0-4 of each speaker and digit are the dataset's own test split (300), the rest training
(2,700). vaekit never downloads it: clone https://github.com/Jakobovski/free-spoken-digit-dataset and point
$VAEKIT_DATA (or --data-dir) at the folder holding fsdd/, or give the recordings' folder as the source.
"""

from __future__ import annotations

from pathlib import Path

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.audio.folder import load_audio_folder
from vaekit.data.common.locate import search_folders
from vaekit.data.common.options import LoadOptions
from vaekit.data.dataset import Dataset


def find_fsdd(data_dir: str | None) -> Path | None:
    """The first searched folder with FSDD's recordings, in a recordings/ subfolder or directly inside."""
    for folder in search_folders("fsdd", data_dir, aliases=("free-spoken-digit-dataset",)):
        for candidate in (folder / "recordings", folder):
            if candidate.is_dir() and any(candidate.glob("[0-9]_*_*.wav")):
                return candidate
    return None


@DATASETS.register("fsdd")
def load_fsdd(options: LoadOptions) -> Dataset:
    """FSDD's recordings as log-mel spectrograms, with its own train/test split (options.spectrogram: settings)."""
    found = find_fsdd(options.data_dir)
    if found is None:
        folders = search_folders("fsdd", options.data_dir)
        raise DataError(f"the Free Spoken Digit Dataset is not on this machine (no recordings in "
                        f"{', '.join(map(str, folders[:3]))}, ...); clone "
                        "https://github.com/Jakobovski/free-spoken-digit-dataset into one of them as fsdd/, or give "
                        "the path of its recordings folder")
    return load_audio_folder(found, options, name="fsdd")
