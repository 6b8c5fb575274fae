"""The MLP's hidden widths when model.hidden is "auto": one layer about twice as wide as an example has numbers
(a power of two), between 64 and the canonical 400, and at most 128 for fewer than 1,000 training rows.

    auto_hidden((30,), rows=455)          # [64]: a table of 30 columns
    auto_hidden((1, 8, 8), rows=1617)     # [128]: the 8x8 digits
    auto_hidden((1, 28, 28), rows=60000)  # [400]: MNIST's own (Kingma & Welling's 784-400-20)
    auto_hidden((1, 28, 28), rows=500)    # [128]: few rows
    auto_hidden((1, 28, 28))              # [400]: rows unknown (a model built outside training)

Why (bench/default_sizes.py; BENCHMARKS.md, "Default network width and epochs for small data"): with each width
trained to its best epoch and scored on a held-out part of the training rows, the input size decided the best
width more than the row count. On tables of 13 and 30 columns and on the 64-pixel digits, widths from 32 to 400
came within about 1.5 nats of each other (training long enough mattered far more: the old 10 epochs cost 2.6 to
27 nats); on 4,000 Fashion-MNIST images of 784 pixels, 64 -> 128 -> 256 -> 400 units gained 2.6, 2.0 and 0.6
nats. So small inputs get a narrow layer (the fastest, with the least to overfit with) and large ones 400. The
weakest part is the few-rows cap: 400 units were the worst width on wine's 142 rows on both seeds, but the best
on breast cancer's 455 (1.3 nats ahead of the 64 chosen there). A second layer cost breast cancer 4.7 nats on
both seeds: one layer.
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
