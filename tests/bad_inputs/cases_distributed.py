"""Bad requests for several processes (vaekit train --nproc, torchrun's environment): refused with one line
before any process starts, and before anything is written."""

from __future__ import annotations

import torch

import vaekit
from bad_inputs.case import Case, Workspace

NEW = ["--out", "{root}/new"]
TWO = ["train", "--nproc", "2", *NEW]


def _one_gpu(workspace: Workspace) -> None:
    workspace.monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    workspace.monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


def _no_gpu(workspace: Workspace) -> None:
    workspace.monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    workspace.monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


def _under_torchrun(workspace: Workspace, world: str = "2") -> None:
    for name, value in {"WORLD_SIZE": world, "RANK": "0", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": world}.items():
        workspace.monkeypatch.setenv(name, value)


CASES = [
    Case("nproc-zero", r"--nproc must be at least 1, got 0", ["train", "--nproc", "0", *NEW]),
    Case("nproc-negative", r"--nproc must be a whole number of processes, got '-2'", ["train", "--nproc", "-2", *NEW]),
    Case("nproc-not-a-number", r"--nproc must be a whole number of processes, got 'two'",
         ["train", "--nproc", "two", *NEW]),
    Case("nproc-batch-objective", r"objective factor_vae uses the whole batch .*leave out --nproc",
         [*TWO, "--objective", "factor_vae"]),
    Case("nproc-beta-tcvae", r"objective beta_tcvae uses the whole batch", [*TWO, "--objective", "beta_tcvae",
                                                                          "--beta", "4"]),
    Case("nproc-free-bits", r"free bits and a capacity act on the KL of the whole batch.*set free_bits and "
         r"capacity to 0", [*TWO, "--free-bits", "0.5"]),
    Case("nproc-batch-smaller", r"batch_size 1 is smaller than the 2 processes.*at least 2",
         [*TWO, "--batch-size", "1"]),
    # auto is 16 on the smallest data: more processes than that cannot each take a slice
    Case("nproc-auto-batch-smaller", r"batch_size auto \(as small as 16 on small data\) is smaller than the 17 "
         r"processes.*at least 17", ["train", "--nproc", "17", *NEW]),
    Case("nproc-more-than-gpus", r"2 processes on this machine need a GPU each, but it has 1; use --nproc 1 or "
         r"--device cpu", [*TWO, "--device", "cuda"], setup=_one_gpu),
    Case("nproc-cuda-without-gpu", r"need a GPU each, but it has 0; use --device cpu", [*TWO, "--device", "cuda"],
         setup=_no_gpu),
    Case("nproc-numbered-gpu", r"each one takes the GPU of its local rank .*use --device cuda, not cuda:1",
         [*TWO, "--device", "cuda:1"], setup=_one_gpu),
    Case("nproc-mps", r"several processes train on cpu or cuda devices, not mps", [*TWO, "--device", "mps"]),
    Case("nproc-resume-zero", r"--nproc must be at least 1, got 0", ["train", "--resume", "{run}", "--nproc", "0"]),
    Case("nproc-under-torchrun", r"--nproc starts torchrun, but this command already runs under torchrun",
         TWO, setup=_under_torchrun),
    Case("torchrun-without-out", r"a run of several processes needs --out", ["train", "--data", "digits"],
         setup=_under_torchrun),
    Case("torchrun-bad-environment", r"environment variable WORLD_SIZE='two' is not a number",
         ["train", *NEW], setup=lambda w: _under_torchrun(w, "two")),
    Case("torchrun-api-batch-objective", r"objective info_vae uses the whole batch",
         api=lambda w: vaekit.train({"objective": {"name": "info_vae"}}, w.path("new")),
         setup=_under_torchrun),
]
