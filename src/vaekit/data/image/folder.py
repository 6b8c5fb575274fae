"""A folder of PNG/JPEG images: one subfolder per class (labelled) or images directly inside (unlabelled).

    faces/                     ->  unlabelled, split by seed
      0001.png  0002.png ...
    shapes/                    ->  class_names ["circle", "square"], split by seed
      circle/a.png ...
      square/b.png ...

All images must have one size (there is no silent resizing: the user picks how to resize). They load as
grayscale when every file is grayscale (mode L), else as RGB; alpha is dropped. Values are scaled to [0, 1].
Each image's id is its path inside the folder ("circle/a.png"); the order is that of the sorted names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from vaekit.core.errors import DataError
from vaekit.core.schema import check_memory
from vaekit.data.common.file_folders import labelled_files
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
# Pillow's own errors for a bad file; SyntaxError is what some of its decoders raise on a corrupt header.
PILLOW_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)
BYTES_PER_VALUE = 2 + 2 * 4  # uint8 read and stacked, float32 values and their train/test copies


def load_image_folder(folder: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """An image Dataset of every PNG/JPEG in folder (or in its class subfolders), split by options.seed."""
    files, labels, class_names = _list_images(folder)
    sizes_and_modes = [_probe(file) for file in files]
    first_size = sizes_and_modes[0][0]
    for file, (size, _) in zip(files, sizes_and_modes, strict=True):
        if size != first_size:
            raise DataError(f"{file} is {size[0]}x{size[1]} but {files[0]} is "
                            f"{first_size[0]}x{first_size[1]}; all images in {folder} must have one size "
                            f"(resize them first)")
    mode = "L" if all(mode == "L" for _, mode in sizes_and_modes) else "RGB"
    values = len(files) * first_size[0] * first_size[1] * (1 if mode == "L" else 3)
    # from the headers, before any pixel is decoded: the 8-bit pixels and their stack, float32 values, the split
    check_memory(values * BYTES_PER_VALUE, f"{len(files):,} images of {first_size[0]}x{first_size[1]} in {folder}",
                 "use fewer or smaller images, or stream them (--streaming on)")
    pixels = np.stack([_read(file, mode) for file in files])
    images = (pixels[:, None] if mode == "L" else pixels.transpose(0, 3, 1, 2)).astype(np.float32)
    images /= 255
    train_x, test_x, train_y, test_y, rows = split_with_rows(images, labels, options.test_fraction, options.seed)
    # ids: each image's path inside the folder ("circle/a.png"), which stays unique across class subfolders
    ids = np.array([file.relative_to(folder).as_posix() for file in files])
    return Dataset.from_arrays(name or str(folder), train_x, test_x, train_y, test_y, kind="image",
                               source=str(folder), class_names=class_names, rows=rows, ids=ids)


def _list_images(folder: Path) -> tuple[list[Path], np.ndarray | None, list[str] | None]:
    return labelled_files(folder, IMAGE_SUFFIXES, "images", missing=(
        f"{folder} has no {'/'.join(IMAGE_SUFFIXES)} images (nor .wav recordings), directly or in class subfolders"))


def _probe(file: Path) -> tuple[tuple[int, int], str]:
    # Opening reads only the header, so sizes are checked before any pixel is decoded.
    try:
        with Image.open(file) as image:
            return image.size, image.mode
    except PILLOW_ERRORS as error:
        raise DataError(f"cannot read image {file}: {' '.join(str(error).split())}") from None


def _read(file: Path, mode: str) -> np.ndarray:
    try:
        with Image.open(file) as image:
            return np.asarray(image.convert(mode), dtype=np.uint8)
    except PILLOW_ERRORS as error:
        raise DataError(f"cannot read image {file}: {' '.join(str(error).split())}") from None
