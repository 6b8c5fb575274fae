"""Reading image files (PNG, JPEG, TIFF) into channels-first float32 values in [0, 1], one layout for a folder.

    headers = [probe(file) for file in files]           # size and mode from each header, no pixel decoded
    layout = folder_layout(headers)                     # channels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), levels
    size = final_size(files, headers, resize, crop)     # the one (width, height) every image will have
    x = read_image(file, layout, resize, crop)          # (C, H, W) float32

The layout is the folder's, so that every image has the same channels: colour when any file is colour (a grey
file's level repeated in R, G and B), an alpha channel when any file has one (opaque, 1, in those without),
16 bits when any file has 16 (an 8-bit level v is v/255 either way: 257 v / 65535 is the same number). 8-bit
files give k/255, 16-bit ones (PNG and TIFF, mode I;16) k/65535, float TIFFs (mode F) their values, which must
lie in [0, 1]. Pillow reads 16-bit colour PNGs at 8 bits per channel; save such images as a .npy array instead.

`resize` and `crop` are (width, height): every image is resized with Lanczos (Pillow, in its own mode, so 8-bit
images stay on the k/255 grid and RGBA is resized with premultiplied alpha) and then its centre cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vaekit.core.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
# Pillow's own errors for a bad file; SyntaxError is what some of its decoders raise on a corrupt header.
PILLOW_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})
SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})  # "I": 16-bit PNGs in older Pillow
Size = tuple[int, int]  # (width, height), Pillow's order


@dataclass(frozen=True)
class Header:
    """What a file's header says: its (width, height), its Pillow mode and whether it has transparency."""

    size: Size
    mode: str
    alpha: bool


@dataclass(frozen=True)
class Layout:
    """How a folder's images are read: grey or colour, with or without alpha, 255 or 65535 levels (0: float)."""

    grey: bool
    alpha: bool
    levels: int

    @property
    def channels(self) -> int:
        return (1 if self.grey else 3) + self.alpha

    @property
    def pillow_mode(self) -> str:
        """The 8-bit Pillow mode an 8-bit file is converted to."""
        return ("L" if self.grey else "RGB") + ("A" if self.alpha else "")


def probe(file: Path) -> Header:
    """The header of an image file (opening reads only the header, so sizes are checked before decoding)."""
    try:
        with Image.open(file) as image:
            alpha = image.mode in ALPHA_MODES or (image.mode == "P" and "transparency" in image.info)
            return Header(image.size, image.mode, alpha)
    except PILLOW_ERRORS as error:
        raise DataError(f"cannot read image {file}: {' '.join(str(error).split())}") from None


def folder_layout(headers: list[Header]) -> Layout:
    """The one layout of a folder's images (the module docstring says how it is chosen)."""
    modes = {header.mode for header in headers}
    levels = 0 if "F" in modes else 65535 if modes & SIXTEEN_BIT_MODES else 255
    return Layout(grey=modes <= GREY_MODES, alpha=any(header.alpha for header in headers), levels=levels)


def final_size(files: list[Path], headers: list[Header], resize: Size | None, crop: Size | None) -> Size:
    """The (width, height) every image has once resized and cropped; a DataError naming two files when they would
    differ, or the file a crop does not fit in."""
    sizes = [resize or header.size for header in headers]
    if crop is not None:
        for file, size in zip(files, sizes, strict=True):
            if crop[0] > size[0] or crop[1] > size[1]:
                after = " after --resize" if resize else ""
                raise DataError(f"--crop {_text(crop)} is larger than {file} ({_text(size)}{after}); choose a crop "
                                f"of at most {_text(size)}, or --resize to a larger size first")
        return crop
    for file, size in zip(files, sizes, strict=True):
        if size != sizes[0]:
            raise DataError(f"{file} is {_text(size)} but {files[0]} is {_text(sizes[0])}; the images of a folder "
                            f"must have one size: give --resize WIDTHxHEIGHT or --crop WIDTHxHEIGHT")
    return sizes[0]


def read_image(file: Path, layout: Layout, resize: Size | None = None, crop: Size | None = None) -> np.ndarray:
    """(C, H, W) float32 values in [0, 1] of one image file read in `layout`, resized and cropped."""
    try:
        with Image.open(file) as image:
            image = _as_read(image, layout)
            if image.mode == "F":  # the file's own values checked, before a resize's Lanczos rings past [0, 1]
                _deep_values(file, np.asarray(image), "F")
            if resize is not None and image.size != resize:
                image = image.resize(resize, Image.Resampling.LANCZOS)
            if crop is not None and image.size != crop:
                left, top = (image.size[0] - crop[0]) // 2, (image.size[1] - crop[1]) // 2
                image = image.crop((left, top, left + crop[0], top + crop[1]))
            return _values(file, image, layout)
    except PILLOW_ERRORS as error:
        raise DataError(f"cannot read image {file}: {' '.join(str(error).split())}") from None


def _as_read(image: Image.Image, layout: Layout) -> Image.Image:
    # 16-bit and float images keep their mode (their levels); 8-bit ones take the folder's 8-bit mode
    if image.mode in SIXTEEN_BIT_MODES or image.mode == "F":
        return image
    return image.convert(layout.pillow_mode)


def _values(file: Path, image: Image.Image, layout: Layout) -> np.ndarray:
    pixels = np.asarray(image)
    if image.mode == "F":  # checked in [0, 1] as read; a resize's overshoot is clipped back
        pixels = np.clip(pixels, 0.0, 1.0)
    if image.mode in SIXTEEN_BIT_MODES or image.mode == "F":
        values = _deep_values(file, pixels, image.mode)[None]  # one grey channel
        if not layout.grey:
            values = np.repeat(values, 3, axis=0)
        if layout.alpha:
            values = np.concatenate([values, np.ones_like(values[:1])])
        return values
    values = pixels.astype(np.float32)
    values /= 255  # as the 8-bit loaders divide: bit for bit the values a folder read before 16-bit support gave
    return values[None] if values.ndim == 2 else values.transpose(2, 0, 1)


def _deep_values(file: Path, pixels: np.ndarray, mode: str) -> np.ndarray:
    if mode == "F":
        low, high = (float(pixels.min()), float(pixels.max())) if pixels.size else (0.0, 0.0)
        if not (np.isfinite(pixels).all() and low >= 0 and high <= 1):
            raise DataError(f"{file} is a float image with values {low:g}..{high:g}; vaekit reads float images in "
                            "[0, 1]: scale it, or save it as 8- or 16-bit")
        return pixels.astype(np.float32)
    if pixels.size and (pixels.min() < 0 or pixels.max() > 65535):
        raise DataError(f"{file} holds values {pixels.min()}..{pixels.max()}; vaekit reads 8- and 16-bit images "
                        "(0..65535): save it as 16-bit")
    values = pixels.astype(np.float32)
    values /= 65535
    return values


def _text(size: Size) -> str:
    return f"{size[0]}x{size[1]}"
