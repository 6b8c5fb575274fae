"""A command's verdict against its baselines, kept in the run for the report (runs/verdicts.py) with the rows it
was measured on and the weights that gave it.

    keep_verdict(run, "cluster", found, chosen)   # found: a Verdict; chosen: the Selection the command scored
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaekit.tasks.baselines.verdict import Verdict
    from vaekit.tasks.outputs import Selection


def keep_verdict(run: str, subject: str, found: Verdict, chosen: Selection, count: int | None = None) -> bool:
    """Record `found` under `subject` in RUN/verdicts.json; False (after a notice) where the run cannot take it.
    `count`: the rows compared, where the command took the first `count` of `chosen` (-n)."""
    from vaekit.runs.hub import is_hub_address
    from vaekit.runs.verdicts import record_verdict
    from vaekit.tasks.evaluation.provenance import MODEL_FILE, file_sha256

    rows = f"{len(chosen.x) if count is None else count} rows of the {chosen.split} split of {chosen.source}"
    entry = found.as_dict()
    weights = Path(run) / MODEL_FILE
    if not is_hub_address(run) and weights.is_file():  # which weights gave it: the report marks it stale after
        entry["weights_sha256"] = file_sha256(weights)
    return record_verdict(run, subject, entry, rows)
