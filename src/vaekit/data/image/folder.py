"""A folder of PNG/JPEG/TIFF images: one subfolder per class (labelled) or images directly inside (unlabelled).

    faces/                     ->  unlabelled, split by seed
      0001.png  0002.png ...
    shapes/                    ->  class_names ["circle", "square"], split by seed
      circle/a.png ...
      square/b.png ...

Images of any height, width and channels: grey (1 channel), grey with alpha (2), RGB (3) or RGBA (4), 8- or
16-bit (data/image/reading.py says how a folder's layout is chosen). All images must have one size, or be made
one with `resize` and `crop` ((width, height), LoadOptions; --resize and --crop): nothing is resized unless
asked, and what was asked is in the run's config, so a reload does it again. Values are scaled to [0, 1]. Each
image's id is its path inside the folder ("circle/a.png"); the order is that of the sorted names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vaekit.core.schema import check_memory
from vaekit.data.common.file_folders import labelled_files
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.image.reading import IMAGE_SUFFIXES, PILLOW_ERRORS, final_size, folder_layout, probe, read_image

__all__ = ["IMAGE_SUFFIXES", "PILLOW_ERRORS", "load_image_folder"]

BYTES_PER_VALUE = 2 * 4  # float32 values, read one image at a time into their array, and their train/test copies


def load_image_folder(folder: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """An image Dataset of every PNG/JPEG/TIFF in folder (or in its class subfolders), split by options.seed."""
    files, labels, class_names = _list_images(folder)
    headers = [probe(file) for file in files]
    width, height = final_size(files, headers, options.resize, options.crop)
    layout = folder_layout(headers)
    # from the headers, before any pixel is decoded, at the size the images will have once resized and cropped
    check_memory(len(files) * layout.channels * width * height * BYTES_PER_VALUE,
                 f"{len(files):,} images of {width}x{height} in {folder}",
                 "use fewer or smaller images (--resize), or stream them (--streaming on)")
    images = np.empty((len(files), layout.channels, height, width), dtype=np.float32)
    for index, file in enumerate(files):
        images[index] = read_image(file, layout, options.resize, options.crop)
    train_x, test_x, train_y, test_y, rows = split_with_rows(images, labels, options.split_fraction, options.seed)
    # ids: each image's path inside the folder ("circle/a.png"), which stays unique across class subfolders
    ids = np.array([file.relative_to(folder).as_posix() for file in files])
    return Dataset.from_arrays(name or str(folder), train_x, test_x, train_y, test_y, kind="image",
                               source=str(folder), class_names=class_names, rows=rows, ids=ids)


def _list_images(folder: Path) -> tuple[list[Path], np.ndarray | None, list[str] | None]:
    return labelled_files(folder, IMAGE_SUFFIXES, "images", missing=(
        f"{folder} has no {'/'.join(IMAGE_SUFFIXES)} images (nor .wav recordings), directly or in class subfolders"))
