"""Load a dataset from a path, choosing the reader by what the path is.

    load_path(Path("x.npz"), options)      # .npy / .npz          -> arrays.py
    load_path(Path("t.csv"), options)      # .csv / .parquet      -> tables.py
    load_path(Path("imgs/"), options)      # folder of PNG/JPEG/TIFF -> image/folder.py (options.resize, crop)
    load_path(Path("clips/"), options)     # folder of .wav       -> audio.py
    load_path(Path("a-ubyte.gz"), options) # one IDX file         -> idx.py, split here
    load_path(Path("lines.txt"), options)  # one sentence a line  -> text.py (also a folder of .txt files, and a
                                           #                         table's options.text.column)
    load_path(Path("shards/"), options)    # .tar shards (or one)  -> streaming/whole.py, as streaming reads them
"""

from __future__ import annotations

import re
from pathlib import Path

from vaekit.core.errors import DataError
from vaekit.data.audio.folder import is_audio_folder, load_audio_folder
from vaekit.data.common.convert import as_examples
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.image.folder import IMAGE_SUFFIXES, load_image_folder
from vaekit.data.image.idx import read_idx
from vaekit.data.sources.arrays import load_array_file
from vaekit.data.streaming.tar_shards import tar_shards
from vaekit.data.streaming.whole import load_shards
from vaekit.data.table.coded import load_coded_table
from vaekit.data.table.reader import TABLE_SUFFIXES, load_table
from vaekit.data.text.reader import TEXT_SUFFIXES, load_text_column, load_text_file, load_text_folder

ARRAY_SUFFIXES = (".npy", ".npz")
# train-images-idx3-ubyte, train-images.idx3-ubyte, data.idx, each optionally .gz
IDX_NAME = re.compile(r"(ubyte|\.idx\d*)(\.gz)?$", re.IGNORECASE)
SUPPORTED = (".npy, .npz, .csv, .parquet, IDX (-ubyte, .idx, optionally .gz), .txt (one sentence a line), a folder "
             "of PNG/JPEG/TIFF images, a folder of .txt files, a folder of .wav recordings, or .tar shards (one .tar "
             "file or a folder of them)")


def load_path(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A Dataset from a file or folder; name defaults to the path as given."""
    name = name or str(path)
    suffix = path.suffix.lower()
    if options.label_column is not None and (path.is_dir() or suffix not in TABLE_SUFFIXES):
        raise DataError(f"label_column applies to .csv and .parquet tables only, but {path} is not one; "
                        f"leave label_column unset")
    if options.column_types and (path.is_dir() or suffix not in TABLE_SUFFIXES):
        raise DataError(f"column_types applies to .csv and .parquet tables only, but {path} is not one; leave "
                        "column_types (--column-types) unset")
    if options.text.column is not None and (path.is_dir() or suffix not in TABLE_SUFFIXES):
        raise DataError(f"text_column applies to .csv and .parquet tables only, but {path} is not one; leave "
                        "text_column unset")
    if options.metadata is not None and (path.is_dir() or suffix not in TABLE_SUFFIXES):
        raise DataError(f"metadata applies to .csv and .parquet tables only, but {path} is not one; leave metadata "
                        "(--metadata) unset")
    if options.metadata is not None and (options.column_types or options.text.column is not None):
        raise DataError("metadata declares the column types itself: give types in its file, not with column_types "
                        "or text_column")
    shards = tar_shards(path)  # before the folders: a folder of shards is no image folder
    image_folder = shards is None and path.is_dir() and not is_audio_folder(path) and not is_text_folder(path)
    if (options.resize or options.crop) and not image_folder:
        raise DataError(f"--resize and --crop apply to folders of image files; {path} is not one (resize the "
                        "images before saving them, or save them as a folder of PNG files)")
    if shards is not None:
        return load_shards(shards, options, name)
    if image_folder:
        return load_image_folder(path, options, name)
    if path.is_dir():
        if is_audio_folder(path):
            return load_audio_folder(path, options, name)
        return load_text_folder(path, options, name)
    if suffix in TEXT_SUFFIXES:
        return load_text_file(path, options, name)
    if suffix in TABLE_SUFFIXES and options.text.column is not None:
        return load_text_column(path, options, name)
    if suffix in ARRAY_SUFFIXES:
        return load_array_file(path, options, name)
    if suffix in TABLE_SUFFIXES and options.metadata is not None:
        return load_coded_table(path, options, name)
    if suffix in TABLE_SUFFIXES:
        return load_table(path, options, name)
    if IDX_NAME.search(path.name):
        return load_idx_file(path, options, name)
    raise DataError(f"cannot tell how to read {path} from its name; supported: {SUPPORTED}")


def load_idx_file(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """One IDX file of examples (images if 3-D, 8-bit values scaled to [0, 1]), unlabelled, split by seed."""
    x, kind = as_examples(read_idx(path), str(path))
    train_x, test_x, _, _, rows = split_with_rows(x, None, options.split_fraction, options.seed)
    return Dataset.from_arrays(name or str(path), train_x, test_x, None, None, kind=kind, source=str(path),
                               rows=rows)


def is_text_folder(path: Path) -> bool:
    """A folder of .txt files (documents) rather than of images: .txt files, and no images or class subfolders
    (an image folder may hold a stray notes.txt)."""
    items = list(path.iterdir())
    texts = any(item.suffix.lower() in TEXT_SUFFIXES for item in items)
    return texts and not any(item.is_dir() or item.suffix.lower() in IMAGE_SUFFIXES for item in items)
