"""The rows a baseline may be fitted on: the run's own training split, what the run itself was trained on.

    train = training_split(run, chosen)     # a Selection of the run's training rows (x, y, ids)
    keep, line = compared_rows(train, chosen)   # the chosen rows it did not train on, and what was left out

Data given with --data in place of the run's own is scored, never fitted on: a baseline fitted on the rows it
is then scored on would have seen more than the run did. And the rows a comparison is made on are never ones the
run trained on (its own file given again with --data, --split all): both it and the baselines were fitted on
them, and a KNNImputer finds the row itself among its neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.runs.run import Run
from vaekit.tasks.outputs import Selection, select_data


def training_split(run: Run, chosen: Selection | None = None, own: bool = False, missing: bool | None = None
                   ) -> Selection:
    """The run's training split. `chosen` with `own` (the command read the run's own data, no --data) is reused
    instead of reading the data again; `missing` as select_data (True: keep NaN entries, for imputation)."""
    if chosen is not None and own:
        x, y, ids = chosen.data.examples("train")
        return Selection(chosen.data, "train", x, y, ids, chosen.source)
    return select_data(run, None, "train", missing=missing)


def trained_on(train: Selection, ids: Sequence[Any], source: str) -> np.ndarray:
    """(N,) bool: which of the rows of `source` named by `ids` are rows the run trained on: read from the run's own
    source (its file given again with --data, or --split all / train) with the id of one of its training rows. A
    comparison on them is not a fair one: the model and every baseline were fitted on them (a KNNImputer finds the
    row itself among its neighbours)."""
    if not _same_source(train.data.source, source):
        return np.zeros(len(ids), dtype=bool)
    trained = {_key(row_id) for row_id in train.ids}
    return np.array([_key(row_id) in trained for row_id in ids], dtype=bool)


def compared_rows(train: Selection, chosen: Selection, what: str = "rows",
                  count: int | None = None) -> tuple[np.ndarray, str | None]:
    """(keep, line): which of the chosen rows (the first `count` of them, where a command takes those) a
    comparison with the baselines is made on, those the run did not train on (`trained_on`), and the line that
    says what was left out (None when nothing was)."""
    seen = trained_on(train, chosen.ids[:count], chosen.data.source)
    if not seen.any():
        return ~seen, None
    if seen.all():
        return ~seen, (f"every one of the {len(seen)} {what} is one the run trained on (and the baselines are fitted "
                       "on): no fair comparison on them; leave out --data and --split to compare on the run's test "
                       "split")
    return ~seen, (f"{int(seen.sum())} of the {len(seen)} {what} are ones the run trained on (and the baselines are "
                   f"fitted on): the comparison is on the other {int((~seen).sum())}")


def _same_source(a: str, b: str) -> bool:
    """Whether two data sources are one: the same file, or the same named data set."""
    first, second = Path(a), Path(b)
    if first.exists() and second.exists():
        return first.resolve() == second.resolve()
    return a == b


def _key(row_id: Any) -> Any:
    """An id as a dictionary key: numpy's numbers as Python's, so that 3 and np.int64(3) are one."""
    return row_id.item() if isinstance(row_id, np.generic) else row_id
