"""The MLP's hidden widths when model.hidden is "auto": one layer about twice as wide as an example has numbers
(a power of two), between 64 and the canonical 400, and at most 128 for fewer than 1,000 training rows.

    auto_hidden((30,), rows=455)          # [64]: a table of 30 columns
    auto_hidden((1, 8, 8), rows=1617)     # [128]: the 8x8 digits
    auto_hidden((1, 28, 28), rows=60000)  # [400]: MNIST's own (Kingma & Welling's 784-400-20)
    auto_hidden((1, 28, 28), rows=500)    # [128]: few rows
    auto_hidden((1, 28, 28))              # [400]: rows unknown (a model built outside training)

Why (bench/default_sizes.py; BENCHMARKS.md, "Default network width and epochs for small data"): each width trained
to its best epoch on a held-out part of the training rows, the input size decided the width and the row count
hardly did. On tables of 13 and 30 columns and on the 64-pixel digits, widths from 32 to 400 came within about a
nat of each other (training long enough mattered far more: the old 10 epochs cost 2.6 to 26 nats); on 4,000
Fashion-MNIST images of 784 pixels, 64 -> 128 -> 256 -> 400 units gained 2.6, 2.0 and 0.6 nats. So the narrowest
width that was as good is taken for small inputs (the fastest, with the least to overfit with), and 400 for large
ones. The cap for a few hundred rows: on wine's 142, 400 units were the worst of five widths. A second layer helped
one table (wine, 0.5 nats) and hurt another (breast cancer, 4.6 nats): one layer.
"""

from __future__ import annotations

import math

MIN_WIDTH, MAX_WIDTH = 64, 400
FEW_ROWS, FEW_ROWS_WIDTH = 1_000, 128  # fewer training rows than this: at most this width


def auto_hidden(data_shape: tuple[int, ...], rows: int | None = None) -> list[int]:
    """The hidden widths (encoder order) for `rows` training examples of `data_shape`; rows None (not known: a model
    built outside training) leaves the width to the shape."""
    width = min(MAX_WIDTH, max(MIN_WIDTH, 2 ** math.ceil(math.log2(2 * math.prod(data_shape)))))
    if rows is not None and rows < FEW_ROWS:
        width = min(width, FEW_ROWS_WIDTH)
    return [width]
