"""The rows a baseline may be fitted on: the run's own training split, what the run itself was trained on.

    train = training_split(run, chosen)     # a Selection of the run's training rows (x, y, ids)

Data given with --data in place of the run's own is scored, never fitted on: a baseline fitted on the rows it
is then scored on would have seen more than the run did.
"""

from __future__ import annotations

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
