"""Training in several processes (training/distributed.py): two CPU processes with the gloo backend, started by
torchrun, against one process with the same global batch; resuming with another number of processes."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

import vaekit
from vaekit.cli import main
from vaekit.training.batches import DeviceBatches
from vaekit.training.distributed import Processes, global_rows, launched, noise_seed, process_device

SMALL = ["--data", "digits", "--hidden", "32", "--latent-dim", "4", "--quiet"]
# VaDE's pretraining epochs are deterministic (an autoencoder at the posterior mean), so one process and two must
# agree to rounding; plain SGD shows a wrongly weighted gradient (Adam would hide a constant factor); batch 101
# splits 51/50, and the last batch of 1617 % 101 = 1 row leaves process 1 an empty slice
DETERMINISTIC = [*SMALL, "--objective", "vade", "--prior", "mixture", "--pretrain-epochs", "2", "--epochs", "3",
                 "--optimizer", "sgd", "--lr", "0.005", "--batch-size", "101"]


def _vaekit(*arguments: str, torchrun: int = 0) -> subprocess.CompletedProcess[str]:
    """`python -m vaekit ...`, or under `python -m torch.distributed.run` with `torchrun` processes."""
    source = str(Path(vaekit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    launcher = ["-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={torchrun}"] if torchrun else []
    return subprocess.run([sys.executable, *launcher, "-m", "vaekit", *arguments], capture_output=True, text=True,
                          env=env, timeout=300)


def _metrics(run: Path) -> list[dict[str, float]]:
    return [{key: float(value) for key, value in row.items() if value != ""}
            for row in csv.DictReader((run / "metrics.csv").open())]


def test_two_processes_follow_the_loss_curve_of_one(tmp_path: Path) -> None:
    two = _vaekit("train", *DETERMINISTIC, "--out", str(tmp_path / "two"), torchrun=2)
    assert two.returncode == 0, two.stderr
    one = CliRunner().invoke(main, ["train", *DETERMINISTIC, "--out", str(tmp_path / "one")])
    assert one.exit_code == 0, one.output
    a, b = _metrics(tmp_path / "one"), _metrics(tmp_path / "two")
    assert [row["epoch"] for row in b] == [1, 2, 3] and [row["step"] for row in a] == [row["step"] for row in b]
    for epoch in (0, 1):  # the deterministic epochs: the same numbers but for the order of float sums
        for name in ("train_loss", "train_distortion", "val_neg_elbo", "val_distortion", "val_rate"):
            assert b[epoch][name] == pytest.approx(a[epoch][name], rel=1e-5, abs=1e-5), (epoch, name)
    assert a[1]["train_loss"] < a[0]["train_loss"]
    assert all(torch.isfinite(torch.tensor(row["train_loss"])) for row in b)
    # only process 0 writes the run and speaks: one summary line, no second copy of the run's files
    assert two.stdout.count("run saved in") == 1 and "Traceback" not in two.stderr
    for name in ("config.json", "model.safetensors", "checkpoint.safetensors", "model-best.safetensors"):
        assert (tmp_path / "two" / name).is_file(), name
    # the run records that two processes made it (and one process the other)
    assert json.loads((tmp_path / "two" / "config.json").read_text())["trained_with"]["processes"] == 2
    assert json.loads((tmp_path / "one" / "config.json").read_text())["trained_with"]["processes"] == 1


@pytest.mark.slow
def test_a_run_resumes_with_another_number_of_processes(tmp_path: Path) -> None:
    settings = [*SMALL, "--batch-size", "64", "--epochs", "1"]
    two = _vaekit("train", *settings, "--out", str(tmp_path / "run"), "--nproc", "2")
    assert two.returncode == 0, two.stderr
    shutil.copytree(tmp_path / "run", tmp_path / "again")
    first = _metrics(tmp_path / "run")
    # two processes' checkpoint, one process on: twice, with the same result (the streams are defined)
    resumed = vaekit.resume(tmp_path / "run", epochs=2, progress=False)
    again = vaekit.resume(tmp_path / "again", epochs=2, progress=False)
    assert [row["epoch"] for row in resumed.metrics] == [1, 2]
    assert resumed.metrics[0]["train_loss"] == pytest.approx(first[0]["train_loss"])
    assert resumed.metrics[1]["step"] == 2 * first[0]["step"]
    assert resumed.metrics[1]["val_neg_elbo"] == again.metrics[1]["val_neg_elbo"]
    assert resumed.metrics[1]["val_neg_elbo"] < first[0]["val_neg_elbo"]
    # one process's checkpoint, two processes on (vaekit train --nproc starts torchrun)
    more = _vaekit("train", "--resume", str(tmp_path / "run"), "--epochs", "3", "--nproc", "2", "--quiet")
    if more.returncode == 134 and "terminate called without an active exception" in more.stderr:
        # gloo aborted a process (SIGABRT) in about 1 run of 10 on a loaded 2-core machine, not reproduced in 11
        # runs alone: a race in the group's teardown (issue 22's note). The teardown now waits for every process
        # (a barrier in training/distributed.joined); until enough loaded runs show the abort gone, a run that
        # keeps its last finished epoch is resumed once more; a second abort, or any other failure, fails the test
        more = _vaekit("train", "--resume", str(tmp_path / "run"), "--epochs", "3", "--nproc", "2", "--quiet")
    assert more.returncode == 0, more.stderr
    rows = _metrics(tmp_path / "run")
    assert [row["epoch"] for row in rows] == [1, 2, 3] and rows[2]["step"] == 3 * rows[0]["step"]
    kept = _metrics(tmp_path / "again")[1]  # the rows before it are kept
    assert (rows[1]["train_loss"], rows[1]["val_neg_elbo"]) == (kept["train_loss"], kept["val_neg_elbo"])
    assert rows[2]["val_neg_elbo"] < rows[0]["val_neg_elbo"]
    assert more.stdout.count("run saved in") == 1


def test_a_failure_in_one_process_is_one_line_and_ends_all(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")  # process 0 refuses the folder; process 1 has no say
    result = _vaekit("train", *SMALL, "--epochs", "1", "--out", str(tmp_path / "taken"), "--nproc", "2")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("error: "), result.stderr
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"


def test_each_process_takes_its_slice_of_the_same_permutation() -> None:
    x = torch.arange(23.0).unsqueeze(1)
    batches = DeviceBatches(x, None, 5).epoch(torch.Generator().manual_seed(3))
    one = [(start, rows.flatten()) for start, rows, _ in batches]
    for world in (2, 3):
        parts = [list(DeviceBatches(x, None, 5, rank=rank, world=world).epoch(torch.Generator().manual_seed(3)))
                 for rank in range(world)]
        for rank, part in enumerate(parts):
            assert len(DeviceBatches(x, None, 5, rank=rank, world=world)) == sum(len(rows) for _, rows, _ in part)
        for step, (start, rows) in enumerate(one):  # the slices put back together are one process's batch
            assert all(part[step][0] == start for part in parts)
            assert torch.equal(torch.cat([part[step][1].flatten() for part in parts]), rows)
            assert global_rows(5, 23, start) == len(rows)
    assert len({noise_seed(0, rank, step) for rank in range(3) for step in (0, 10)}) == 6


def test_each_process_takes_the_gpu_of_its_local_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    for name in ("auto", "cuda"):
        assert process_device(name, Processes(3, 4, 1, 2)) == torch.device("cuda", 1)
    assert process_device("cpu", Processes(3, 4, 1, 2)) == torch.device("cpu")
    for name, value in {"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(name, value)
    assert launched() == Processes(3, 4, 1, 2) and launched().several and not launched().leader


def test_every_objective_says_whether_its_loss_splits_over_processes() -> None:
    from vaekit.core.registry import OBJECTIVES

    declared = {name: OBJECTIVES.get(name).per_example for name in OBJECTIVES.names()}
    assert all(isinstance(value, bool) for value in declared.values()), declared
    # their losses read the whole batch: beta-TCVAE's q(z) estimate, the MMD, FactorVAE's permuted codes
    assert {name for name, value in declared.items() if not value} == {"beta_tcvae", "info_vae", "factor_vae"}
