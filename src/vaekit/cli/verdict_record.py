"""A command's verdict against its baselines, kept in the run for the report (runs/verdicts.py) with the rows it
was measured on, the setting it was measured under and the weights that gave it.

    keep_verdict(run, "cluster (kmeans on codes)", found, chosen, setting="10 clusters")
    keep_verdict(run, "denoise", found, chosen, count=len(x), setting="--add-noise gaussian:0.3")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaekit.tasks.baselines.verdict import Verdict
    from vaekit.tasks.outputs import Selection


def keep_verdict(run: str, subject: str, found: Verdict, chosen: Selection, count: int | None = None,
                 setting: str = "") -> bool:
    """Record `found` under `subject` in RUN/verdicts.json; False (after a notice) where the run cannot take it:
    the command's answer stands either way. `count`: the rows compared, where they are not all of `chosen` (the
    first -n, the labelled ones); `setting`: what the figure depends on beyond the rows (noise, mask, classes)."""
    from vaekit.core.errors import VaekitError
    from vaekit.core.notices import notice
    from vaekit.runs.hub import is_hub_address
    from vaekit.runs.verdicts import record_verdict
    from vaekit.tasks.evaluation.provenance import MODEL_FILE, file_sha256

    rows = f"{len(chosen.x) if count is None else count} rows of the {chosen.split} split of {chosen.source}"
    entry = {**found.as_dict(), "setting": setting}
    weights = Path(run) / MODEL_FILE
    if not is_hub_address(run) and weights.is_file():  # which weights gave it: the report marks it stale after
        try:
            entry["weights_sha256"] = file_sha256(weights)
        except VaekitError as error:  # unreadable weights: the answer was given, only its record is missing
            notice(f"the verdict is not kept in the report: {error}")
            return False
    return record_verdict(run, subject, entry, rows)
