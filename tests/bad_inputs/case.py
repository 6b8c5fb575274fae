"""One bad input or fault, and the workspace it runs in."""

from __future__ import annotations

import contextlib
import hashlib
import resource
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Workspace:
    """A fresh folder (the current directory while the case runs) holding a copy of a trained digits run at
    `run`. `files(...)` writes small inputs; `monkeypatch` is there for faults (a full disk, a read-only file)."""

    root: Path
    run: Path
    monkeypatch: pytest.MonkeyPatch

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path


@dataclass(frozen=True)
class Case:
    """`argv` is a vaekit command line; "{run}" and "{root}" in it stand for the workspace's run and folder.
    `api` instead is a Python call that must raise VaekitError. `message` is a regular expression searched in the
    one line of error (it should name what to do). `setup` prepares the workspace before the snapshot is taken;
    `changes` names files (relative to the workspace) that the case may legitimately create or change."""

    id: str
    message: str
    argv: Sequence[str] = ()
    api: Callable[[Workspace], Any] | None = None
    setup: Callable[[Workspace], Any] | None = None
    changes: tuple[str, ...] = field(default=())

    def command(self, workspace: Workspace) -> list[str]:
        return [arg.format(run=workspace.run, root=workspace.root) for arg in self.argv]


def snapshot(root: Path, ignore: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file under root (relative path -> sha256 of its bytes, with its mode), but lock files, which a
    command that waits for a run may leave behind empty."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir() or path.name.endswith(".lock") or relative in ignore:
            continue
        if not path.is_file():  # a pipe a case made: reading it would wait for a writer
            found[relative] = f"special {oct(path.stat().st_mode)}"
            continue
        found[relative] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {oct(path.stat().st_mode)}"
    return found


def copy_run(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


# what a bad input may add to the address space of the process that reads it: an answer that needs more (a header
# trusted for its sizes, an option without a bound) fails its case with MemoryError instead of taking the machine
CASE_MEMORY = 3 * 2**30


def address_space() -> int:
    """This process's virtual memory size in bytes (VmSize), 0 where /proc cannot tell."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def bounded_memory(extra: int = CASE_MEMORY) -> Iterator[None]:
    """Inside, this process (and what it starts) may map at most `extra` bytes more than it has now (RLIMIT_AS);
    the limit before is restored after. Where the size cannot be told, no limit."""
    now = address_space()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = now + extra
    if now == 0 or (hard != resource.RLIM_INFINITY and limit > hard):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
