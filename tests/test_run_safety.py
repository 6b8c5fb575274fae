"""A run directory has one writer at a time, holds only vaekit's files, survives faults of the disk and ends
cleanly on SIGTERM: each promise of the README's "what happens when" section, tested."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

import vaekit
import vaekit.training.checkpoint
from conftest import invoke
from vaekit.core.io import TEMP_MARK, atomic_path, write_text
from vaekit.runs.lock import HOLDER_FILE, LOCK_FILE, check_not_busy, claim_run, writer_of

SLOW = ["--data", "digits", "--hidden", "16", "--batch-size", "1", "--epochs", "1", "--quiet"]  # 1617 steps


def _weights(run: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run / "model.safetensors"))


def _start_training(run: Path, *settings: str) -> subprocess.Popen:
    """`vaekit train` in another process, returned once it has written its first checkpoint (it holds the run)."""
    process = subprocess.Popen([sys.executable, "-m", "vaekit", "train", *settings, "--out", str(run)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (run / "checkpoint.safetensors").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, process.communicate()
    return process


def test_every_command_refuses_a_run_another_process_is_training(tmp_path: Path, digits_run: Path) -> None:
    run = tmp_path / "run"
    process = _start_training(run, *SLOW)
    try:
        since = r"\d\d:\d\d:\d\d"
        busy = rf"error: {re.escape(str(run))} is being written by `vaekit train` \(pid {process.pid}, since {since}\)"
        for command in (["train", "--resume", run], ["evaluate", run, "--k", "2"], ["report", run],
                        ["sample", run, "--out", tmp_path / "s.png"], ["plot", "latent", run],
                        ["embed", run, "--out", tmp_path / "c.csv"], ["compare", run]):
            code, output = invoke(*command)
            assert code == 2 and re.search(busy, output), (command, output)
        code, output = invoke("train", *SLOW, "--out", run)
        assert code == 2 and re.search(busy + "; wait for it to finish or use another --out", output), output
        with pytest.raises(vaekit.VaekitError, match=f"being written by `vaekit train` \\(pid {process.pid}"):
            vaekit.resume(run, progress=False)
        # info may look while it trains (every file is replaced whole), and says who is writing
        code, output = invoke("info", run)
        assert code == 0 and f"being written by `vaekit train` (pid {process.pid}" in output, output
        assert not (tmp_path / "s.png").exists() and not (tmp_path / "c.csv").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    # its end released the run: the others may go on
    assert writer_of(run) is None and not (run / HOLDER_FILE).exists()
    assert invoke("sample", run, "--out", tmp_path / "s.png")[0] == 0


def test_a_writer_holds_the_run_for_its_whole_command(tmp_path: Path, digits_run: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # while evaluate writes evaluation.json, a training cannot start in the run and a reader is refused
    import vaekit.cli.evaluate as evaluate_cli

    seen = {}
    real = evaluate_cli._evaluate_run

    def watched(run, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["writer"] = writer_of(run)
        with pytest.raises(vaekit.VaekitError, match="being written by `vaekit evaluate`"):
            check_not_busy(run)
        return real(run, *args, **kwargs)

    monkeypatch.setattr(evaluate_cli, "_evaluate_run", watched)
    run = shutil.copytree(digits_run, tmp_path / "run")  # the shared run stays without an evaluation
    code, output = invoke("evaluate", run, "--k", "2")
    assert code == 0, output
    assert seen["writer"].startswith(f"`vaekit evaluate` (pid {os.getpid()}, since ")
    assert writer_of(run) is None  # released when the command ended


def test_the_lock_follows_the_holder_and_names_it(tmp_path: Path) -> None:
    with claim_run(tmp_path, "vaekit evaluate"):
        with pytest.raises(vaekit.VaekitError, match=rf"{re.escape(str(tmp_path))} is being written by `vaekit "
                           rf"evaluate` \(pid {os.getpid()}, since \d\d:\d\d:\d\d\); wait for it to finish"):
            with claim_run(tmp_path, "vaekit report"):
                pass
    with claim_run(tmp_path, "vaekit report"):  # released: the next one takes it
        assert "vaekit report" in writer_of(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK_FILE]  # only the lock file stays


def test_train_writes_only_into_a_new_or_empty_folder(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "metrics.csv").write_text("my,own\n1,2\n")
    (mine / "notes").mkdir()
    code, output = invoke("train", "--data", "digits", "--epochs", "1", "--out", mine)
    assert code == 2 and "holds files vaekit did not write (metrics.csv, notes)" in output, output
    assert sorted(p.name for p in mine.iterdir()) == ["metrics.csv", "notes", LOCK_FILE]
    assert (mine / "metrics.csv").read_text() == "my,own\n1,2\n"
    # an empty folder (the one the test made, or one a refused train left its lock in) is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / LOCK_FILE).touch()
    assert invoke("train", "--data", "digits", "--hidden", "8", "--epochs", "1", "--quiet", "--out", empty)[0] == 0
    with pytest.raises(vaekit.VaekitError, match="--out is empty"):
        vaekit.train({"data": {"source": "digits"}}, "", progress=False)


def test_a_refused_or_failed_train_leaves_no_folder_behind(tmp_path: Path) -> None:
    code, output = invoke("train", "--data", str(tmp_path / "missing.npy"), "--out", tmp_path / "runs" / "new")
    assert code == 2 and "missing.npy" in output
    assert not (tmp_path / "runs").exists()  # nor the parent it made on the way


def test_a_full_disk_loses_nothing_and_says_how_to_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ["--data", "digits", "--hidden", "8", "--batch-size", "100", "--seed", "1", "--quiet"]
    run = tmp_path / "run"
    assert invoke("train", *settings, "--epochs", "1", "--out", run)[0] == 0
    before = {name: (run / name).read_bytes() for name in ("model.safetensors", "checkpoint.safetensors")}

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No '
                              'space left on device" })')

    monkeypatch.setattr(vaekit.training.checkpoint, "save_file", full)
    code, output = invoke("train", "--resume", run, "--epochs", "2", "--quiet")
    assert code == 2 and "Traceback" not in output
    assert output.strip().splitlines()[-1] == (
        f"error: cannot write {run}/checkpoint.safetensors: No space left on device; free some space and resume "
        f"with `vaekit train --resume {run}`")
    assert {name: (run / name).read_bytes() for name in before} == before
    assert not [p for p in run.iterdir() if TEMP_MARK in p.name]
    monkeypatch.undo()
    # once there is space, the resumed run ends where an uninterrupted two-epoch run ends
    assert invoke("train", "--resume", run, "--epochs", "2", "--quiet")[0] == 0
    assert invoke("train", *settings, "--epochs", "2", "--out", tmp_path / "whole")[0] == 0
    whole, resumed = _weights(tmp_path / "whole"), _weights(run)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_os_errors_outside_vaekit_s_own_writes_are_one_line(tmp_path: Path, digits_run: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import vaekit.cli.outputs as outputs_cli

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(errno.EACCES, "Permission denied", str(digits_run / "model.safetensors"))

    monkeypatch.setattr(outputs_cli, "_open", refused)
    code, output = invoke("sample", digits_run, "--out", tmp_path / "s.png")
    assert code == 2 and "Traceback" not in output
    assert output.strip() == (f"error: cannot use {digits_run}/model.safetensors: Permission denied; you lack the "
                              "permission: change its permissions or use another folder (--out)")


def test_temporary_files_of_killed_writers_are_removed(tmp_path: Path, digits_run: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended, as one killed with kill -9 has
    stale = tmp_path / f".samples.png{TEMP_MARK}{pid}-k2j4.png"
    live = tmp_path / f".samples.png{TEMP_MARK}{os.getpid()}-a8x1.png"  # a writer at work: left alone
    other = tmp_path / f".latent.png{TEMP_MARK}{pid}-q0z9.png"
    for path in (stale, live, other):
        path.write_bytes(b"half a picture")
    write_text(tmp_path / "samples.png", "x")  # writing a file removes its own stale temporary files
    assert not stale.exists() and live.exists() and other.exists()
    with claim_run(tmp_path, "vaekit evaluate"):  # whoever takes the run removes all stale ones
        assert not other.exists() and live.exists()
    # and a temporary file is named for its target and its writer
    with atomic_path(tmp_path / "x.png") as tmp:
        assert tmp.name.startswith(f".x.png{TEMP_MARK}{os.getpid()}-") and tmp.suffix == ".png"
        tmp.write_bytes(b"png")


@pytest.mark.slow
def test_sigterm_saves_says_how_to_resume_and_the_run_resumes_exactly(tmp_path: Path) -> None:
    run = tmp_path / "run"
    process = _start_training(run, *SLOW)
    time.sleep(0.3)  # well inside epoch 1
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == [f"terminated (SIGTERM): weights and pictures saved in {run}; continue with "
                     f"`vaekit train --resume {run}`"], stderr
    for name in ("model.safetensors", "checkpoint.safetensors", "config.json", "samples.png"):
        assert (run / name).is_file(), name
    assert writer_of(run) is None
    code, output = invoke("train", "--resume", run, "--quiet")
    assert code == 0, output
    assert invoke("train", *SLOW, "--out", tmp_path / "whole")[0] == 0
    whole, resumed = _weights(tmp_path / "whole"), _weights(run)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_a_folder_that_is_not_a_run_gets_no_lock_file(tmp_path: Path) -> None:
    for command in ("evaluate", "report", "sample"):
        code, output = invoke(command, tmp_path)
        assert code == 2 and "is not a vaekit run directory" in output, output
    assert list(tmp_path.iterdir()) == []
