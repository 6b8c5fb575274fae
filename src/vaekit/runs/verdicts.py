"""The baseline comparisons a run's commands made, kept in the run: RUN/verdicts.json holds, per command and what
it compared, the last verdict (vaekit's figure, each baseline's, the winner and the line the command printed), so
that the report shows every answer beside the simple method a user would try first, not only evaluate's.

    record_verdict(run.path, "cluster", found.as_dict(), data="test split of digits, 540 rows")
    read_verdicts(run.path)   # {"cluster": {"metric": "accuracy", "vaekit": 0.81, ..., "data": ..., "recorded": ...}}

Recording is a by-product of a command that has done its work: where the run cannot take it (a Hub snapshot in the
cache, a folder this user cannot write, another command writing the run), the command says so in a notice and
keeps its answer; it never fails for it. A later verdict of the same command and subject replaces the earlier one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from vaekit.core.errors import VaekitError
from vaekit.core.io import write_json
from vaekit.core.json_file import read_json
from vaekit.core.notices import notice
from vaekit.runs.hub import is_hub_address
from vaekit.runs.lock import claim_run, held_here

VERDICTS_FILE = "verdicts.json"


def read_verdicts(run_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The recorded verdicts, by subject ("cluster", "score (iw)", ...); {} where none were recorded or the file
    is not a JSON object of objects (a damaged file is replaced by the next recording, never trusted)."""
    path = Path(run_dir) / VERDICTS_FILE
    if not path.is_file():
        return {}
    try:
        found = read_json(path)
    except (VaekitError, OSError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(name): entry for name, entry in found.items() if isinstance(entry, dict)}


def record_verdict(run: str | Path, subject: str, verdict: dict[str, Any], data: str) -> bool:
    """Keep `verdict` (Verdict.as_dict()) under `subject` in RUN/verdicts.json, with `data` (which rows it was
    measured on) and the time; True when recorded, False (with a notice saying why) when the run cannot take it."""
    if is_hub_address(run):
        notice(f"the verdict is not kept in the report: {run} is a Hub snapshot, not a run folder of yours")
        return False
    entry = {**verdict, "data": data, "recorded": datetime.now().isoformat(timespec="seconds")}
    try:
        if held_here(run):  # the command itself holds the run (score writing into it): no second claim
            _write(run, subject, entry)
        else:
            with claim_run(run, f"vaekit {subject.split(' ')[0]}",
                           hint="run this command again once it has finished to keep it"):
                _write(run, subject, entry)
    except VaekitError as error:  # busy, or not writable: the answer stands, only its record is missing
        notice(f"the verdict is not kept in the report: {error}")
        return False
    return True


def _write(run: str | Path, subject: str, entry: dict[str, Any]) -> None:
    found = read_verdicts(run)
    found[subject] = entry
    write_json(Path(run) / VERDICTS_FILE, found)
