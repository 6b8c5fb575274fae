"""CIFAR-10 from its binary distribution (never the pickled one): 50000 train / 10000 test, (3, 32, 32).

    ds = load_dataset("cifar10")

Each batch file is a run of 3073-byte records: one label byte, then 1024 red, 1024 green and 1024 blue bytes
of a 32x32 image in row-major order, so a record reshapes straight to channels-first (3, 32, 32).
The folder cifar-10-batches-bin/ is looked for in the usual search folders (locate.py, with the names
cifar10 and cifar-10); if it is missing and downloading is allowed, the tarball is fetched, checked against
its published SHA-256 and MD5, and only the six batch files and the class list are extracted from it.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zlib
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.common.download import download
from vaekit.data.common.locate import download_folder, search_folders
from vaekit.data.common.options import LoadOptions
from vaekit.data.dataset import Dataset
from vaekit.data.image.pixels import unit_pixels

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
TARBALL = "cifar-10-binary.tar.gz"
# MD5 as listed on https://www.cs.toronto.edu/~kriz/cifar.html for the binary version (the often-quoted
# c58f3010... is the Python version's); SHA-256 as pinned by ankane/torchvision-ruby and
# JuliaML/MLDatasets.jl for the same URL.
SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
BATCH_DIR = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"
META_FILE = "batches.meta.txt"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
IMAGE_SHAPE = (3, 32, 32)
RECORD_BYTES = 1 + 3 * 32 * 32


@DATASETS.register("cifar10")
def load_cifar10(options: LoadOptions) -> Dataset:
    """The official split of CIFAR-10; test_fraction and seed do not apply."""
    folder, origin = _locate_or_download(options)
    train = [read_cifar_batch(folder / name) for name in TRAIN_FILES]
    test_x, test_y = read_cifar_batch(folder / TEST_FILE)
    train_x = np.concatenate([images for images, _ in train])
    train_y = np.concatenate([labels for _, labels in train])
    return Dataset.from_arrays("cifar10", _to_unit(train_x), _to_unit(test_x), train_y, test_y, kind="image",
                               source=origin, class_names=_class_names(folder / META_FILE))


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 3, 32, 32) and int64 labels (N,) from one binary batch file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    if not raw or len(raw) % RECORD_BYTES:
        raise DataError(f"{path} is truncated or not a CIFAR-10 binary batch: its {len(raw)} bytes are not a "
                        f"whole number of {RECORD_BYTES}-byte records")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= len(CLASS_NAMES):
        raise DataError(f"{path} has label {labels.max()}, outside 0..9; it is not a CIFAR-10 batch "
                        f"(CIFAR-100's binary files have two label bytes)")
    return records[:, 1:].reshape(-1, *IMAGE_SHAPE), labels


def extract_batches(tarball: Path, dest: Path) -> Path:
    """Extract only the known batch files and class list of the tarball into dest/cifar-10-batches-bin."""
    wanted = {f"{BATCH_DIR}/{name}": name for name in (*TRAIN_FILES, TEST_FILE, META_FILE)}
    out = dest / BATCH_DIR
    out.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            for member in archive:
                # Only regular files with the expected names are written, under names chosen here, so a
                # member called '../x' or a link in a tampered archive cannot write outside dest.
                name = wanted.get(member.name.removeprefix("./"))
                source = archive.extractfile(member) if name and member.isfile() else None
                if name is None or source is None:
                    continue
                part = out / f".{name}.part"
                with source, open(part, "wb") as target:
                    shutil.copyfileobj(source, target)
                os.replace(part, out / name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DataError(f"cannot extract {tarball} ({error}); delete it and download it again") from None
    missing = [name for name in (*TRAIN_FILES, TEST_FILE) if not (out / name).is_file()]
    if missing:
        raise DataError(f"{tarball} has no {', '.join(missing)}; it is not the CIFAR-10 binary tarball")
    return out


def _locate_or_download(options: LoadOptions) -> tuple[Path, str]:
    needed = (*TRAIN_FILES, TEST_FILE)
    folders = search_folders("cifar10", options.data_dir, aliases=("cifar-10",))
    for folder in folders:
        for candidate in (folder / BATCH_DIR, folder):
            if all((candidate / name).is_file() for name in needed):
                return candidate, f"CIFAR-10 binary batches in {candidate}"
    if not options.download:
        where = ", ".join(str(folder) for folder in folders)
        raise DataError(f"cifar10 not found and downloading is off: missing {BATCH_DIR}/ with "
                        f"{', '.join(needed)}; unpack {TARBALL} into one of: {where}")
    target = download_folder("cifar10", options.data_dir)
    tarball = target / TARBALL
    if not tarball.is_file():  # a tarball already here passed its checksums before it was renamed into place
        download([URL], tarball, SHA256, MD5)
    batches = extract_batches(tarball, target)
    tarball.unlink()  # 162 MB that is no longer needed once the batches are out
    return batches, f"CIFAR-10 binary batches in {batches} (from {URL})"


def _to_unit(images: np.ndarray) -> np.ndarray:
    return unit_pixels(images)  # CIFAR-10's float train images take 614 MB: one array, no second copy


def _class_names(meta: Path) -> list[str]:
    # batches.meta.txt lists the class names one per line; fall back to the published list without it.
    try:
        names = [line.strip() for line in meta.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError):
        return list(CLASS_NAMES)
    return names if len(names) == len(CLASS_NAMES) else list(CLASS_NAMES)
