"""Procedural dSprites-style images rendered from known factors: a white shape on black, no download.

    ds = load_dataset("sprites")                           # 10,000 examples of 64 x 64, seed 0
    ds = load_dataset("sprites:n=20000,size=32,seed=1")    # any size, any image size, another draw
    ds.factor_names   # ['shape', 'scale', 'orientation', 'position_x', 'position_y']
    ds.factors("test")  # (N, 5), row for row with ds.examples("test")

Each example draws its five factors independently and uniformly from the grids of dSprites (Matthey et al. 2017):
shape (square, ellipse, heart as 0, 1, 2), 6 scales in [0.5, 1], 40 orientations in [0, 2 pi), 32 positions in
[0, 1] along x and along y. A pixel is 1 when its centre lies inside the shape, as in dSprites. The square and
the ellipse look the same after a quarter and a half turn, as in dSprites, so their orientation is partly
unidentifiable.

render_sprites(factors, size) draws any factors given; sample_factors(n, seed) draws them.
"""

from __future__ import annotations

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.source_settings import SOURCE_SETTINGS, parse_settings
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset

FACTOR_NAMES = ["shape", "scale", "orientation", "position_x", "position_y"]
SHAPES = ["square", "ellipse", "heart"]
GRIDS = [np.arange(3.0), np.linspace(0.5, 1.0, 6), 2 * np.pi * np.arange(40) / 40, np.linspace(0.0, 1.0, 32),
         np.linspace(0.0, 1.0, 32)]
# the shape's centre moves over [MARGIN, 1 - MARGIN] of the image and its size is RADIUS * scale of the image's
# width, so that no shape at any rotation leaves the image (the square's corner reaches 0.8 sqrt 2 RADIUS)
MARGIN, RADIUS = 0.25, 0.18
SOURCE_SETTINGS["sprites"] = {"n": 10_000, "size": 64, "seed": 0}
MAX_EXAMPLES = 2_000_000


def sample_factors(n: int, seed: int) -> np.ndarray:
    """(n, 5) factors, each uniform over its grid, independent, from numpy's PCG64 seeded by `seed`."""
    rng = np.random.default_rng(seed)
    return np.stack([grid[rng.integers(len(grid), size=n)] for grid in GRIDS], axis=1)


def _inside(shape: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether points (x, y) in the shape's own frame (unit size, y pointing down) lie inside it."""
    square = np.maximum(np.abs(x), np.abs(y)) <= 0.8
    ellipse = x ** 2 + (y / 0.5) ** 2 <= 1.0
    # the heart curve (X^2 + Y^2 - 1)^3 - X^2 Y^3 <= 0, with Y up: the image's y points down
    hx, hy = 1.2 * x, 0.1 - 1.2 * y
    heart = (hx ** 2 + hy ** 2 - 1) ** 3 - hx ** 2 * hy ** 3 <= 0
    return np.where(shape == 0, square, np.where(shape == 1, ellipse, heart))


def render_sprites(factors: np.ndarray, size: int = 64, chunk: int = 1000) -> np.ndarray:
    """(N, 1, size, size) float32 images in {0, 1} of (N, 5) factors (shape, scale, orientation, x, y)."""
    centres = (np.arange(size) + 0.5) / size
    u, v = np.meshgrid(centres, centres)  # u: x across columns, v: y down the rows
    images = np.empty((len(factors), 1, size, size), dtype=np.float32)
    for start in range(0, len(factors), chunk):
        f = factors[start:start + chunk, :, None, None]
        shape, scale, angle = f[:, 0], f[:, 1], f[:, 2]
        cx, cy = MARGIN + (1 - 2 * MARGIN) * f[:, 3], MARGIN + (1 - 2 * MARGIN) * f[:, 4]
        dx, dy = (u - cx) / (RADIUS * scale), (v - cy) / (RADIUS * scale)
        # into the shape's frame: a rotation by -angle
        cos, sin = np.cos(angle), np.sin(angle)
        images[start:start + chunk, 0] = _inside(shape, cos * dx + sin * dy, -sin * dx + cos * dy)
    return images


@DATASETS.register("sprites")
def load_sprites(options: LoadOptions) -> Dataset:
    """n examples rendered at size x size from factors drawn with `seed`; split by options.seed
    (options.test_fraction held out). Settings: "sprites:n=20000,size=32,seed=1"."""
    settings = parse_settings("sprites", options.settings)
    n, size, seed = settings["n"], settings["size"], settings["seed"]
    if not 2 <= n <= MAX_EXAMPLES:
        raise DataError(f"sprites: n must be between 2 and {MAX_EXAMPLES:,}, got {n}")
    if not 8 <= size <= 256:
        raise DataError(f"sprites: size must be between 8 and 256 pixels, got {size}")
    if seed < 0:
        raise DataError(f"sprites: seed must be zero or positive, got {seed}")
    factors = sample_factors(n, seed)
    images = render_sprites(factors, size)
    labels = factors[:, 0].astype(np.int64)  # the shape is the class, for a probe or a conditional model
    train_x, test_x, train_y, test_y, rows = split_with_rows(images, labels, options.test_fraction, options.seed)
    name = "sprites" + (f":{options.settings}" if options.settings else "")
    return Dataset.from_arrays(name, train_x, test_x, train_y, test_y, kind="image",
                               source=f"vaekit procedural sprites (n={n}, size={size}, seed={seed})",
                               class_names=list(SHAPES), rows=rows, own_split=False,
                               factors=(factors[rows[0]], factors[rows[1]]), factor_names=list(FACTOR_NAMES))
