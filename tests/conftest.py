"""Shared fixtures: one small run trained on the bundled digits, reused by the tests that only read a run."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from vaekit.cli import main

torch.set_num_threads(2)


def invoke(*args: str) -> tuple[int, str]:
    """Run the vaekit command in-process; (exit code, stdout + stderr)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Classifiers that evaluation trains are cached in a temporary folder, never in the user's ~/.cache."""
    import os

    os.environ["VAEKIT_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "digits"
    code, output = invoke("train", "--data", "digits", "--latent-dim", "2", "--hidden", "64", "--epochs", "8",
                          "--batch-size", "64", "--seed", "3", "--out", run, "--quiet")
    assert code == 0, output
    return run


@pytest.fixture(scope="session")
def penguin_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plain table (read with its column types) and a table with metadata, of Palmer penguins."""
    palmerpenguins = pytest.importorskip("palmerpenguins")
    folder = tmp_path_factory.mktemp("penguins")
    frame = palmerpenguins.load_penguins().dropna()
    frame.to_csv(folder / "penguins.csv", index=False)
    runs = {"plain": folder / "plain", "coded": folder / "coded"}
    for name, extra in (("plain", ()), ("coded", ("--metadata", "auto"))):
        code, output = invoke("train", "--data", str(folder / "penguins.csv"), *extra, "--latent-dim", "3",
                              "--hidden", "32", "--epochs", "3", "--seed", "0", "--out", str(runs[name]), "--quiet")
        assert code == 0, output
    return runs


@pytest.fixture(scope="session")
def m2_digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """M2 on the digits with 5 labels a class, one epoch: a run `vaekit predict` answers for."""
    run = tmp_path_factory.mktemp("m2") / "m2"
    code, output = invoke("train", "--data", "digits", "--class-latent", "m2", "--objective", "m2",
                          "--labels-per-class", "5", "--epochs", "1", "--hidden", "32", "--latent-dim", "2",
                          "--out", run, "--quiet")
    assert code == 0, output
    return run
