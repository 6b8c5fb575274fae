"""Atomic file writes: a file is either its old self or its complete new self, never half-written.

A write that the operating system refuses (a full or read-only disk, no permission) becomes one WriteError that
names the file, the reason and the remedy; whatever was there before stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from safetensors import SafetensorError

from vaekit.core.errors import VaekitError

# every temporary file is named .<target>.vaekit-tmp-<pid>-<random><suffix>: the pid tells a live writer's file
# from one that a killed process left behind (see remove_stale_temporaries)
TEMP_MARK = ".vaekit-tmp-"
_REMEDIES = {
    errno.ENOSPC: "free some space and {again}",
    errno.EDQUOT: "free some space (you are over your disk quota) and {again}",
    errno.EROFS: "the disk is read-only: write to a writable folder (--out) or copy the run to one",
    errno.EACCES: "you lack the permission: change its permissions or use another folder (--out)",
    errno.EPERM: "you lack the permission: change its permissions or use another folder (--out)",
}


class WriteError(VaekitError):
    """The operating system refused to create or write `path` (errno `code`)."""

    def __init__(self, path: str | Path, reason: str, code: int | None = None, verb: str = "write",
                 again: str = "run the command again", remedy: str | None = None) -> None:
        self.path, self.reason, self.code, self.verb = Path(path), reason, code, verb
        remedy = remedy or _REMEDIES.get(code or 0, "check the folder and {again}").format(again=again)
        super().__init__(f"cannot {verb} {path}: {reason}; {remedy}")

    def then(self, again: str) -> WriteError:
        """The same error, saying what to run once it is fixed (`resume with ...`) instead of `run it again`."""
        return WriteError(self.path, self.reason, self.code, self.verb, again)


def write_error(error: OSError | SafetensorError, path: str | Path, verb: str = "write") -> WriteError:
    """An OSError (or safetensors' report of one, which carries only the OS error code in its text) as WriteError."""
    if isinstance(error, OSError):
        code = error.errno
        reason = error.strerror or str(error)
    else:
        found = re.search(r"code: (\d+)", str(error))
        code = int(found.group(1)) if found else None
        reason = os.strerror(code) if code else str(error).splitlines()[0]
    return WriteError(path, reason, code, verb)


def is_temporary(name: str) -> bool:
    return name.startswith(".") and TEMP_MARK in name


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill there terminates the process: never use it to ask; keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError, OverflowError):  # someone else's process, or a platform that cannot tell: alive
        return True
    return True


def remove_stale_temporaries(folder: Path, target: str | None = None) -> None:
    """Removes the temporary files (of `target`, or of any file) that processes no longer running left in `folder`:
    a writer killed with kill -9 cannot remove its own."""
    pattern = f".{target or '*'}{TEMP_MARK}*"
    with contextlib.suppress(OSError):
        for temporary in folder.glob(pattern):
            pid = temporary.name.split(TEMP_MARK, 1)[1].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    temporary.unlink()


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yields a temporary path beside `path`; on success it replaces `path` in one step, on error it is removed.

    >>> with atomic_path("run/model.safetensors") as tmp:
    ...     save_file(tensors, tmp)
    """
    path = Path(path)
    if path.is_dir():
        raise WriteError(path, "it is a directory", remedy="name a file instead (for example with --out)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path.parent, path.name)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMP_MARK}{os.getpid()}-",
                                        suffix=path.suffix)
        os.close(handle)
        tmp = Path(name)
    except OSError as error:
        raise write_error(error, path) from None
    try:
        yield tmp
        # mkstemp makes the file private (0600), and so do some writers that replace it (safetensors' save_file
        # writes its own new file with mode 0600): set the mode an ordinary new file gets, after the writer ran
        # (a file that exists already keeps its own mode: a user's chmod 600 survives a rewrite)
        os.chmod(tmp, _mode_of(path))
        os.replace(tmp, path)
    except (OSError, SafetensorError) as error:
        raise write_error(error, path) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_json(path: str | Path, value: Any) -> None:
    """Strict JSON: a NaN or infinite number (an undefined result) is written as null, never as a bare NaN that
    JSON readers other than Python's refuse."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(finite_or_null(value), indent=2, allow_nan=False) + "\n")


def finite_or_null(value: Any) -> Any:
    """The value with every NaN or infinite float (in dicts, lists and tuples, at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(item) for item in value]
    return value


def _mode_of(path: Path) -> int:
    """The permission bits a rewrite of `path` gets: its own when it exists, else those a new file gets."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back (this process's own setting)
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)
