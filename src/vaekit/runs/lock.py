"""One writer at a time per run directory: a file lock that train and resume (and evaluate and report, which write
into a run) hold while they write, and that every other command checks before it reads.

    with claim_run("runs/demo", "vaekit evaluate"):   # RunBusy when another command is writing runs/demo
        ...                                             # read and write the run
    check_not_busy("runs/demo")                         # readers: RunBusy while a writer holds it

The lock is an operating-system lock (flock through `filelock`) on RUN/vaekit.lock: it ends with the process that
holds it, so a killed writer never leaves a run locked. Beside it, RUN/vaekit-holder.lock says who holds it (pid,
command, since when) for the message of the one refused. Both names end in .lock, the mark of files that are
bookkeeping and not part of the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from vaekit.core.errors import VaekitError
from vaekit.core.io import WriteError, remove_stale_temporaries, write_error, write_json
from vaekit.core.paths import unusable

LOCK_FILE = "vaekit.lock"
HOLDER_FILE = "vaekit-holder.lock"
WAIT = "wait for it to finish"
_HELD: set[Path] = set()  # the run directories this process holds now (claim_run), resolved


class RunBusy(VaekitError):
    """Another process is writing the run directory."""


def holder(run_dir: Path) -> str:
    """Who holds the run's lock, as `vaekit train` (pid 1234, since 14:02:11), from what the holder wrote."""
    try:
        found = json.loads((run_dir / HOLDER_FILE).read_text())
        since = datetime.fromisoformat(found["since"])
        when = f"{since:%H:%M:%S}" if since.date() == datetime.now().date() else f"{since:%Y-%m-%d %H:%M:%S}"
        return f"`{found['command']}` (pid {int(found['pid'])}, since {when})"
    except (OSError, ValueError, KeyError, TypeError):  # taken this instant, not yet described
        return "another vaekit command"


def _busy(run_dir: Path, hint: str) -> RunBusy:
    return RunBusy(f"{run_dir} is being written by {holder(run_dir)}; {hint}")


def writer_of(run_dir: str | Path) -> str | None:
    """The description of the process writing `run_dir` now, or None. Creates no file."""
    run_dir = Path(run_dir)
    if not (run_dir / LOCK_FILE).is_file():  # never claimed: no one is writing it
        return None
    lock = FileLock(str(run_dir / LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return holder(run_dir)
    except OSError:  # a lock we may not open (a read-only disk, someone else's run): no one writes it from here
        return None
    lock.release()
    return None


def held_here(run_dir: str | Path) -> bool:
    """True while this process holds the run's lock (inside claim_run): a part of the same command may write."""
    return Path(run_dir).resolve() in _HELD


def check_not_busy(run_dir: str | Path, hint: str = f"{WAIT} and run this again") -> None:
    """Raises RunBusy while another process writes `run_dir` (so nothing reads a half-updated run)."""
    if writer_of(run_dir) is not None:
        raise _busy(Path(run_dir), hint)


def _make_folders(run_dir: Path) -> list[Path]:
    """Creates run_dir and its missing parents; returns those it created, deepest first."""
    missing = [folder for folder in [run_dir, *run_dir.parents] if not folder.exists()]
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        for folder in run_dir.parents:  # --out notes.txt/run: say which part is a file
            if folder.exists() and not folder.is_dir():
                raise WriteError(run_dir, f"{folder} is a file, not a folder", error.errno, "create",
                                 remedy="choose another --out") from None
        raise write_error(error, run_dir, "create") from None
    return missing


def _remove_if_only_locks(folders: list[Path]) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            if all(item.name.endswith(".lock") for item in folder.iterdir()):
                shutil.rmtree(folder)


@contextlib.contextmanager
def claim_run(run_dir: str | Path, command: str, create: bool = False, hint: str = WAIT) -> Iterator[Path]:
    """Holds the run's lock while the block runs; RunBusy (naming the holder) when another process holds it.

    `create` makes the folder (and its parents) first; if the block fails, folders made here that hold nothing
    but lock files are removed again. On taking the run, the temporary files of killed writers are removed.
    """
    run_dir = Path(run_dir)
    created: list[Path] = []
    if create:
        created = _make_folders(run_dir)
    elif not run_dir.is_dir():
        raise VaekitError(f"run directory {unusable(run_dir, 'folder')}")
    lock = FileLock(str(run_dir / LOCK_FILE), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise _busy(run_dir, hint) from None
    except OSError as error:
        _remove_if_only_locks(created)
        raise write_error(error, run_dir) from None
    succeeded = False
    try:
        write_json(run_dir / HOLDER_FILE, {"pid": os.getpid(), "command": command,
                                           "since": datetime.now().isoformat(timespec="seconds")})
        remove_stale_temporaries(run_dir)  # safe: no other vaekit writer can be in here now
        _HELD.add(run_dir.resolve())
        yield run_dir
        succeeded = True
    finally:
        _HELD.discard(run_dir.resolve())
        with contextlib.suppress(OSError):
            (run_dir / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()
        if not succeeded:
            _remove_if_only_locks(created)
