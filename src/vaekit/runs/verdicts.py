"""The baseline comparisons a run's commands made, kept in the run: RUN/verdicts.json holds, per command and what
it compared, the last verdict (vaekit's figure, each baseline's, the winner and the line the command printed), so
that the report shows every answer beside the simple method a user would try first, not only evaluate's.

    record_verdict(run.path, "cluster (kmeans on codes)", found.as_dict(), data="180 rows of the test split of digits")
    read_verdicts(run.path)   # {"cluster (kmeans on codes)": {"metric": "accuracy", "vaekit": 0.81, ..., "data": ...}}

Recording is a by-product of a command that has done its work: where the run cannot take it (a Hub snapshot in the
cache, a folder this user cannot write, another command writing the run), the command says so in a notice and
keeps its answer; it never fails for it. A later verdict of the same command and subject replaces the earlier one.
"""

from __future__ import annotations

import os
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
    """The recorded verdicts, by subject ("cluster (kmeans on codes)", "score (iw)", ...), for showing: {} where
    none were recorded or the file cannot be read or is not a JSON object (never trusted; the next recording sets a
    damaged file aside), and entries that are not objects left out."""
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
    """Add `entry` to RUN/verdicts.json. A file that cannot be read is left alone (VaekitError: nothing is kept);
    a damaged one is moved aside to verdicts.json.damaged, with a notice, before the new file replaces it."""
    path = Path(run) / VERDICTS_FILE
    found: Any = {}
    if path.is_file():
        try:
            found = read_json(path)
        except OSError as error:
            raise VaekitError(f"cannot read {path}: {error.strerror or error}") from None
        except VaekitError:  # not JSON: damaged, set aside below
            found = None
        if not isinstance(found, dict) or not all(isinstance(value, dict) for value in found.values()):
            aside = path.with_name(VERDICTS_FILE + ".damaged")
            try:
                os.replace(path, aside)
            except OSError as error:
                raise VaekitError(f"cannot move the damaged {path} aside: {error.strerror or error}") from None
            notice(f"{path} was damaged; moved it to {aside.name} and started a new one")
            found = {}
    found[subject] = entry
    write_json(path, found)
