"""The MLP's hidden widths when model.hidden is "auto": one layer, as wide as the number of training examples
warrants, so that a table of 500 rows gets a narrow network and 60,000 images the canonical 400 units.

    auto_hidden((30,), rows=455)          # [64]: a small table
    auto_hidden((1, 8, 8), rows=1617)     # [128]: a thousand small images
    auto_hidden((1, 28, 28), rows=60000)  # [400]: MNIST's own (Kingma & Welling's 784-400-20)
    auto_hidden((1, 28, 28))              # [400]: rows unknown (a model built outside training)

Why (bench/default_sizes.py, BENCHMARKS.md "Default network width and epochs for small data"): trained to their
best epoch, widths from 32 to 400 reach held-out likelihoods within about a nat of each other on tables of a few
hundred rows and on 1,300 8x8 digits, while training too short (the old 10 epochs) costs 3 to 26 nats; so the
narrowest width that is as good is taken (fastest, least to overfit with). A second layer helped one table (wine,
0.5 nats) and hurt another (breast cancer, 4.6 nats): one layer.
"""

from __future__ import annotations

# (fewest training examples, width): the first tier the data reaches, the largest first
WIDTH_TIERS = ((20_000, 400), (5_000, 256), (1_000, 128), (0, 64))


def auto_hidden(data_shape: tuple[int, ...], rows: int | None = None) -> list[int]:
    """The hidden widths (encoder order) for `rows` training examples of `data_shape`; rows None (not known: a model
    built outside training) gives the widths for plenty of data. The shape does not change the width today: the
    evidence found the row count decides; it is taken so that a rule by input size can join without new callers."""
    return [next(width for fewest, width in WIDTH_TIERS if rows is None or rows >= fewest)]
