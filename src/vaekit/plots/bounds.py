"""What a picture of tiles costs to draw, and the most it may hold: the numbers the size checks read before any
picture is made (model/size.py for a command's counts, data/audio/headers.py for a recording's frames).

    picture_bytes(4096, (1, 8, 8))        # 4096 tiles drawn at TILE_PX a side: about 1.7 GB
    most_tiles(2 * 10**9), most_per_row((1, 40, 2501))   # 4096 tiles; 13 a row
    picture_bytes(225, (1, 40, 2501))     # a 15 x 15 manifold of 2,501-frame spectrograms: about 2.3 GB

Measured (peak memory of `vaekit sample -n 4096 --out s.png` on 8x8 digits, and of a 15 x 15 manifold of
40 x 2,501 spectrograms): about PIXEL_BYTES a drawn pixel, for the float grid, matplotlib's masked and resampled
float RGBA copies and the canvas. A tile is drawn at least TILE_PX a side (plots/image_rows.py enlarges small
ones) and larger tiles at their own size.
"""

from __future__ import annotations

TILE_PX = 64  # the side small tiles are enlarged to (plots/image_rows.py, plots/traversals.py)
PIXEL_BYTES = 100  # bytes of memory a drawn pixel costs, all copies together
MAX_TILES = 4096  # past a few thousand tiles a picture says nothing more
MAX_SIDE_PX = 32_768  # half of Agg's 2^16-pixel limit on a side: room for labels and margins


def tile_pixels(tile_shape: tuple[int, ...] | None = None) -> int:
    """Pixels one tile of `tile_shape` ((C, H, W), or None for a small one) is drawn with."""
    if tile_shape is None or len(tile_shape) < 2:
        return TILE_PX * TILE_PX
    return max(TILE_PX, tile_shape[-2]) * max(TILE_PX, tile_shape[-1])


def tile_width(tile_shape: tuple[int, ...] | None = None) -> int:
    """A tile's width in drawn pixels."""
    return TILE_PX if tile_shape is None or len(tile_shape) < 2 else max(TILE_PX, tile_shape[-1])


def picture_bytes(tiles: int, tile_shape: tuple[int, ...] | None = None) -> int:
    """About the memory a picture of `tiles` tiles of `tile_shape` takes to draw."""
    return tiles * tile_pixels(tile_shape) * PIXEL_BYTES


def most_tiles(memory: int | None, tile_shape: tuple[int, ...] | None = None) -> int:
    """The most tiles a picture may hold: MAX_TILES, or fewer where `memory` (bytes; None: unknown) cannot draw
    them."""
    if memory is None:
        return MAX_TILES
    return max(1, min(MAX_TILES, memory // picture_bytes(1, tile_shape)))


def most_per_row(tile_shape: tuple[int, ...] | None = None) -> int:
    """The most tiles a row may hold: MAX_SIDE_PX wide (512 small tiles, 13 spectrograms of 2,501 frames)."""
    return max(1, MAX_SIDE_PX // tile_width(tile_shape))


__all__ = ["MAX_SIDE_PX", "MAX_TILES", "PIXEL_BYTES", "TILE_PX", "most_per_row", "most_tiles", "picture_bytes",
           "tile_pixels", "tile_width"]
