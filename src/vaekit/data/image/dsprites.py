"""The real dSprites (Matthey et al. 2017) when you have its file; vaekit never downloads it.

    # dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz from https://github.com/deepmind/dsprites-dataset
    ds = load_dataset("dsprites", data_dir="~/data")         # looked for in ~/data/dsprites, ~/data, $VAEKIT_DATA...
    ds = load_dataset("dsprites:n=50000,seed=1")             # a seeded subset (all 737,280 take 12 GB as float32)
    ds = load_dataset("~/data/dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz")   # the whole file, by its path

The file's arrays imgs (N, 64, 64) uint8, latents_values and latents_classes (N, 6) are read; its pickled
metadata is not (vaekit never unpickles). The constant colour factor is dropped: the factors are shape (0, 1, 2
for square, ellipse, heart), scale, orientation, position_x and position_y, as in the procedural sprites.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.common.locate import find_file, search_folders
from vaekit.data.common.npy_header import check_array_file
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.source_settings import SOURCE_SETTINGS, parse_settings
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.image.sprites import FACTOR_NAMES, SHAPES

FILE = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
KEYS = ("imgs", "latents_values", "latents_classes")
SOURCE_SETTINGS["dsprites"] = {"n": 0, "seed": 0}  # n = 0: every example


def is_dsprites_file(path: Path) -> bool:
    """Whether an .npz file holds dSprites' arrays (read from the archive's listing, not its contents)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.removesuffix(".npy") for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile):
        return False
    return set(KEYS) <= names


def load_dsprites_file(path: Path, options: LoadOptions, n: int = 0, seed: int = 0, name: str | None = None
                       ) -> Dataset:
    """dSprites from its .npz file: all examples, or n of them drawn without replacement with `seed`; split by
    options.seed."""
    check_array_file(path, KEYS)  # the headers of the arrays read, before np.load allocates what they declare
    try:
        with np.load(path, allow_pickle=False) as loaded:
            images, values, classes = (loaded[key] for key in KEYS)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise DataError(f"cannot read dSprites from {path}: {' '.join(str(error).split())}") from None
    if images.ndim != 3 or values.shape != (len(images), 6) or classes.shape != (len(images), 6):
        raise DataError(f"{path} is not dSprites: imgs must be (N, H, W) and latents_values and latents_classes "
                        f"(N, 6), got {images.shape}, {values.shape} and {classes.shape}")
    rows = np.arange(len(images))
    if n:
        if n > len(images):
            raise DataError(f"dsprites: n={n} is more than the {len(images):,} examples of {path}")
        rows = np.sort(np.random.default_rng(seed).choice(len(images), size=n, replace=False))
    x = images[rows, None].astype(np.float32)  # values 0 and 1 already
    factors = values[rows, 1:].astype(np.float64)
    factors[:, 0] = classes[rows, 1]  # the shape as its class 0, 1, 2 (latents_values says 1, 2, 3)
    labels = classes[rows, 1].astype(np.int64)
    train_x, test_x, train_y, test_y, split = split_with_rows(x, labels, options.test_fraction, options.seed)
    return Dataset.from_arrays(name or str(path), train_x, test_x, train_y, test_y, kind="image", source=str(path),
                               class_names=list(SHAPES), rows=split, own_split=False,
                               factors=(factors[split[0]], factors[split[1]]), factor_names=list(FACTOR_NAMES))


@DATASETS.register("dsprites")
def load_dsprites(options: LoadOptions) -> Dataset:
    """dSprites looked for in the data folders (see vaekit.data.common.locate); settings "dsprites:n=50000,seed=1"."""
    settings = parse_settings("dsprites", options.settings)
    if settings["n"] < 0:
        raise DataError(f"dsprites: n must be zero (every example) or positive, got {settings['n']}")
    folders = search_folders("dsprites", options.data_dir)
    found = next((path for path in (find_file(folder, [FILE]) for folder in folders) if path is not None), None)
    if found is None:
        raise DataError(f"dSprites is not on this machine ({FILE} in none of {', '.join(map(str, folders[:3]))}, "
                        "...); vaekit does not download it: get it from https://github.com/deepmind/dsprites-dataset "
                        "and pass --data-dir FOLDER, or use the procedural --data sprites")
    name = "dsprites" + (f":{options.settings}" if options.settings else "")
    return load_dsprites_file(found, options, settings["n"], settings["seed"], name)
