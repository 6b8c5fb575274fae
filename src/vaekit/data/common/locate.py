"""Where named datasets are looked for on disk, in order, and where downloads go.

    folders = search_folders("mnist", data_dir="~/data")
    # [~/data/mnist, ~/data, $VAEKIT_DATA/mnist, ~/.cache/vaekit/mnist, /usr/share/datasets/mnist]

The order is: the data_dir argument, $VAEKIT_DATA, the user cache ~/.cache/vaekit, then the system folder
/usr/share/datasets (where Debian's dataset packages install). Each base is searched as <base>/<name>; only the
data_dir the user names is also searched itself, because MNIST, Fashion-MNIST and KMNIST share file names and a
shared folder must never make one pass for another. Nothing here reads global state at import time, so tests
can point HOME and VAEKIT_DATA elsewhere with monkeypatch, and replace SYSTEM_DATA_DIR.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

SYSTEM_DATA_DIR = Path("/usr/share/datasets")
ENV_VAR = "VAEKIT_DATA"


def cache_dir() -> Path:
    """The user's download cache, ~/.cache/vaekit."""
    return Path.home() / ".cache" / "vaekit"


def search_bases(data_dir: str | None) -> list[Path]:
    """The base folders to search, most specific first."""
    bases = []
    if data_dir:
        bases.append(Path(data_dir).expanduser())
    if os.environ.get(ENV_VAR):
        bases.append(Path(os.environ[ENV_VAR]).expanduser())
    bases += [cache_dir(), SYSTEM_DATA_DIR]
    return bases


def search_folders(name: str, data_dir: str | None, aliases: Sequence[str] = ()) -> list[Path]:
    """<base>/<name> (and <base>/<alias>) for each base, and data_dir itself after data_dir/<name>."""
    folders: list[Path] = []
    explicit = Path(data_dir).expanduser() if data_dir else None
    for base in search_bases(data_dir):
        for folder in [base / sub for sub in (name, *aliases)] + ([base] if base == explicit else []):
            if folder not in folders:
                folders.append(folder)
    return folders


def download_folder(name: str, data_dir: str | None) -> Path:
    """Where a download of dataset `name` goes: <data_dir>/<name> when data_dir is given, else the cache."""
    return (Path(data_dir).expanduser() if data_dir else cache_dir()) / name


def find_file(folder: Path, candidates: Sequence[str]) -> Path | None:
    """The first of the candidate file names that exists in folder."""
    for candidate in candidates:
        if (folder / candidate).is_file():
            return folder / candidate
    return None
