"""`vaekit train --nproc N` ties its workers to itself: a launcher killed outright (kill -9) takes them with it, and a
launch leaves no folder in the temporary directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vaekit.training import launch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")

# the launcher starts a worker as torchrun does (a session of its own) and prints the worker's pid
LAUNCHER = """
import os, subprocess, sys
env = {**os.environ, "VAEKIT_LAUNCHER_PID": str(os.getpid())}
worker = subprocess.Popen([sys.executable, "-c", sys.argv[1]], env=env, start_new_session=True)
print(worker.pid, flush=True)
worker.wait()
"""
WORKER = "from vaekit.training.launch import die_with_launcher; import time; die_with_launcher(); time.sleep(60)"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # ended, not yet reaped by its new parent


def test_a_worker_ends_when_its_launcher_is_killed_outright() -> None:
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, WORKER], stdout=subprocess.PIPE, text=True)
    worker = int(launcher.stdout.readline())
    time.sleep(1.5)  # the worker has imported vaekit and asked for the signal
    assert _running(worker)
    launcher.send_signal(signal.SIGKILL)
    launcher.wait()
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(worker)


def test_outside_a_launch_nothing_is_asked(monkeypatch) -> None:
    monkeypatch.delenv(launch.LAUNCHER, raising=False)
    launch.die_with_launcher()  # no launcher: returns, and this process goes on
    monkeypatch.setenv(launch.LAUNCHER, str(os.getpid()))
    launch.die_with_launcher()  # the launcher itself (a test that launched, then trains in-process): goes on
    assert os.getpid() > 0


def test_a_launch_leaves_no_temporary_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    status = launch.start_torchrun(1, ["--data", "digits", "--epochs", "1", "--hidden", "16", "--quiet", "--out",
                                       str(tmp_path / "run")])
    assert status == 0
    assert launch.LAUNCHER not in os.environ  # the launcher's own process may train in itself afterwards
    # torchrun made a torchelastic_* folder of logs per launch; torch's compile cache (torchinductor_USER, one
    # folder reused by every process) is not a launch's
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("torchelastic")] == []
    assert (tmp_path / "run" / "model.safetensors").is_file()
