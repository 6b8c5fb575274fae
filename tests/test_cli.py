"""The vaekit command end to end on the bundled digits: files written, values in them, and every error."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from conftest import invoke


def _every_command() -> list[list[str]]:
    """Every command the registry of commands (vaekit.cli.COMMANDS) names, and the sub-commands of a group: a
    command added there is tested here without editing a list."""
    import click

    from vaekit.cli import COMMANDS as REGISTERED
    from vaekit.cli import main

    found = []
    with click.Context(main) as context:
        for name in sorted(REGISTERED):
            command = main.get_command(context, name)
            found.append([name])
            if isinstance(command, click.Group):
                found += [[name, sub] for sub in sorted(command.list_commands(context))]
    return found


COMMANDS = _every_command()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, output = invoke(*command, "--help")
    assert code == 0
    assert "Example" in output


def test_train_writes_every_file_with_a_falling_loss(digits_run: Path) -> None:
    expected = {"config.json", "model.safetensors", "checkpoint.safetensors", "metrics.csv", "tensorboard",
                "reconstructions.png", "samples.png", "latent.png", "manifold.png", "loss.png"}
    assert expected <= {p.name for p in digits_run.iterdir()}
    rows = list(csv.DictReader((digits_run / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == list(range(1, 9))
    assert float(rows[-1]["val_neg_elbo"]) < float(rows[0]["val_neg_elbo"]) - 3
    saved = json.loads((digits_run / "config.json").read_text())
    assert saved["config"]["model"]["latent_dim"] == 2 and saved["config"]["train"]["seed"] == 3
    assert saved["data"]["shape"] == [1, 8, 8] and saved["data"]["likelihood"] == "bernoulli"
    assert {"torch", "python", "numpy"} <= set(saved["versions"])
    with Image.open(digits_run / "manifold.png") as picture:
        assert picture.size[0] > 400 and picture.size[1] > 400


def test_sample_writes_a_picture_and_an_array(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("sample", digits_run, "-n", "9", "--seed", "4", "--out", tmp_path / "s.npy")
    assert code == 0, output
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (9, 1, 8, 8) and 0 <= samples.min() and samples.max() <= 1
    invoke("sample", digits_run, "-n", "9", "--seed", "4", "--out", tmp_path / "again.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), samples)  # the seed repeats
    code, _ = invoke("sample", digits_run, "-n", "16", "--out", tmp_path / "s.png")
    assert code == 0 and Image.open(tmp_path / "s.png").size[0] > 100


def test_reconstruct_and_interpolate(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("reconstruct", digits_run, "-n", "5", "--out", tmp_path / "r.npy")
    assert code == 0, output
    assert np.load(tmp_path / "r.npy").shape == (5, 1, 8, 8)
    code, output = invoke("interpolate", digits_run, "--from", "0", "--to", "7", "--steps", "6",
                          "--out", tmp_path / "i.npy")
    assert code == 0, output
    path = np.load(tmp_path / "i.npy")
    assert path.shape == (6, 1, 8, 8)
    # consecutive steps change less than the two ends differ
    assert np.abs(np.diff(path, axis=0)).sum(axis=(1, 2, 3)).max() < np.abs(path[-1] - path[0]).sum()
    code, output = invoke("interpolate", digits_run, "--from", "0", "--to", "100000")
    assert code == 2 and "out of range" in output


def test_embed_writes_codes_with_labels(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("embed", digits_run, "--split", "all", "--out", tmp_path / "codes.csv")
    assert code == 0, output
    table = pd.read_csv(tmp_path / "codes.csv")
    assert list(table.columns) == ["id", "z0", "z1", "label"] and len(table) == 1797
    assert list(table["id"]) == list(range(1797))  # the digits in their own order, numbered
    invoke("embed", digits_run, "--out", tmp_path / "codes.npy")
    codes, labels = np.load(tmp_path / "codes.npy"), np.load(tmp_path / "codes-labels.npy")
    assert codes.shape == (180, 2) and labels.shape == (180,) and np.load(tmp_path / "codes-ids.npy").shape == (180,)
    invoke("embed", digits_run, "--split", "all", "--out", tmp_path / "codes.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "codes.parquet"), table, check_dtype=False, atol=1e-6)


@pytest.mark.parametrize("kind", ["latent", "manifold", "reconstructions", "samples"])
def test_plot_commands(digits_run: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.png"
    code, output = invoke("plot", kind, digits_run, "--out", out)
    assert code == 0, output
    with Image.open(out) as picture:
        assert picture.size[0] > 200 and picture.getextrema() != ((255, 255),) * 4


def test_info_prints_settings_and_final_metrics(digits_run: Path) -> None:
    code, output = invoke("info", digits_run)
    assert code == 0
    final = list(csv.DictReader((digits_run / "metrics.csv").open()))[-1]
    assert f"{float(final['val_neg_elbo']):.3f}" in output and "latent_dim=2" in output
    assert "trained with: 1 process on cpu, fp32 arithmetic" in output
    code, output = invoke("info", digits_run, "--json")
    assert json.loads(output)["final_metrics"]["epoch"] == 8
    assert json.loads(output)["trained_with"] == {"processes": 1, "device": "cpu", "precision": "fp32"}


def test_train_from_a_config_file_with_flags_on_top(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("model:\n  latent_dim: 3\n  hidden: [32]\ntrain:\n  epochs: 1\n")
    code, output = invoke("train", "--config", tmp_path / "c.yaml", "--epochs", "2", "--out", tmp_path / "r",
                          "--quiet")
    assert code == 0, output
    saved = json.loads((tmp_path / "r" / "config.json").read_text())["config"]
    assert saved["model"]["latent_dim"] == 3 and saved["train"]["epochs"] == 2


def test_resume_from_the_command_line(tmp_path: Path) -> None:
    run = tmp_path / "r"
    assert invoke("train", "--hidden", "16", "--epochs", "1", "--out", run, "--quiet")[0] == 0
    code, output = invoke("train", "--resume", run, "--epochs", "2", "--quiet")
    assert code == 0, output
    assert [r["epoch"] for r in csv.DictReader((run / "metrics.csv").open())] == ["1", "2"]
    code, output = invoke("train", "--resume", run, "--beta", "3")
    assert code == 2 and "only --epochs and --device" in output


def _nan_csv(path: Path) -> Path:
    path.write_text("a,b\n1,2\n3,\n5,6\n")
    return path


def _corrupt_idx(path: Path) -> Path:
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05\x00\x00\x00\x1c\x00\x00\x00\x1c" + b"\x01" * 100)
    return path


BAD_TRAIN = [
    (lambda t: ["--data", "imagenet-42"], "no dataset named 'imagenet-42'"),
    (lambda t: ["--data", str(t / "missing.npy")], "no such file or folder"),
    (lambda t: ["--data", str(_corrupt_idx(t / "bad-idx3-ubyte"))], "bad-idx3-ubyte"),
    (lambda t: ["--data", str(_nan_csv(t / "nan.csv"))], "missing values"),
    (lambda t: ["--data", str(_wide_csv(t / "wide.csv")), "--network", "conv"], "the conv network takes images"),
    (lambda t: ["--beta", "-1"], "beta must be zero or positive"),
    (lambda t: ["--latent-dim", "0"], "latent_dim must be at least 1"),
    (lambda t: ["--epochs", "two"], "train.epochs must be an integer"),
    (lambda t: ["--likelihood", "poisson"], "unknown likelihood 'poisson'"),
    (lambda t: ["--config", str(t / "nothere.yaml")], "does not exist"),
    (lambda t: ["--data", str(_wide_csv(t / "wide.csv")), "--binarize", "static"], "needs data in [0, 1]"),
    (lambda t: ["--data", str(_wide_csv(t / "wide.csv")), "--likelihood", "bernoulli"],
     "the bernoulli likelihood needs data in [0, 1]"),
    (lambda t: ["--split-seed", "-1"], "split_seed must be between 0 and 2**63 - 1"),
    (lambda t: ["--standardize", "on"], "standardize: on needs the gaussian or laplace likelihood"),
]


def _wide_csv(path: Path) -> Path:
    path.write_text("a,b\n" + "".join(f"{i},{i * 10}\n" for i in range(20)))
    return path


@pytest.mark.parametrize("make_args, message", BAD_TRAIN, ids=[m for _, m in BAD_TRAIN])
def test_bad_input_gives_one_line_and_exit_2_and_writes_nothing(tmp_path: Path, make_args, message: str) -> None:
    out = tmp_path / "run"
    code, output = invoke("train", *make_args(tmp_path), "--epochs", "1", "--out", out, "--quiet") \
        if "--epochs" not in make_args(tmp_path) else invoke("train", *make_args(tmp_path), "--out", out)
    assert code == 2, output
    assert message in output
    assert len(output.strip().splitlines()) == 1, output
    assert not out.exists() or not any(out.iterdir())


def test_nan_in_an_array_file(tmp_path: Path) -> None:
    x = np.random.default_rng(0).random((20, 4)).astype(np.float32)
    x[2, 2] = np.inf
    np.save(tmp_path / "x.npy", x)
    code, output = invoke("train", "--data", tmp_path / "x.npy", "--out", tmp_path / "run")
    assert code == 2 and "NaN or infinite" in output and not (tmp_path / "run").exists()


def test_unknown_option_in_a_config_file(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("[train]\nepochs = 1\nwarmup = 3\n")
    code, output = invoke("train", "--config", tmp_path / "c.toml", "--out", tmp_path / "run")
    assert code == 2 and "unknown setting train.warmup" in output


def test_commands_on_a_directory_without_a_model(tmp_path: Path, digits_run: Path) -> None:
    code, output = invoke("sample", tmp_path)
    assert code == 2 and "not a vaekit run directory" in output
    half = tmp_path / "half"
    half.mkdir()
    (half / "config.json").write_text((digits_run / "config.json").read_text())
    code, output = invoke("sample", half)
    assert code == 2 and "has no model in it" in output
    code, output = invoke("info", tmp_path / "nope")
    assert code == 2 and "does not exist" in output


def test_a_corrupt_model_file_is_reported(tmp_path: Path, digits_run: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((digits_run / "config.json").read_text())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    code, output = invoke("reconstruct", broken)
    assert code == 2 and "corrupt" in output


def test_the_installed_command_exits_2_on_bad_input(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "vaekit", "train", "--data", "nowhere", "--out", tmp_path / "r"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: no dataset named 'nowhere' and no such file or folder; known datasets: "
                                     "cifar10, digits, dsprites, fashion-mnist, fortunes, fsdd, kmnist, mnist, "
                                     "series, sprites")


@pytest.mark.slow
def test_ctrl_c_in_the_first_epoch_saves_and_the_run_resumes_exactly(tmp_path: Path) -> None:
    import signal
    import time

    import torch
    from safetensors.torch import load_file

    settings = ["--data", "digits", "--hidden", "16", "--batch-size", "1", "--epochs", "1", "--quiet"]
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "vaekit", "train", *settings, "--out", str(run)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (run / "checkpoint.safetensors").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well inside epoch 1: 1617 steps of batch 1
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr
    for name in ("model.safetensors", "checkpoint.safetensors", "config.json", "samples.png", "latent.png"):
        assert (run / name).is_file(), name
    assert list(csv.DictReader((run / "metrics.csv").open())) == []  # no epoch was completed
    code, output = invoke("train", "--resume", run, "--quiet")
    assert code == 0, output
    # resuming from the epoch-0 checkpoint ends exactly where an uninterrupted run ends
    assert invoke("train", *settings, "--out", tmp_path / "whole")[0] == 0
    resumed = load_file(str(run / "model.safetensors"))
    whole = load_file(str(tmp_path / "whole" / "model.safetensors"))
    assert all(torch.equal(resumed[k], whole[k]) for k in whole)


@pytest.mark.parametrize("path", sorted(Path(__file__).resolve().parents[1].glob("configs/*.*")), ids=lambda p: p.name)
def test_shipped_config_files_are_accepted_as_they_are(path: Path) -> None:
    from vaekit.config import load_config_file

    config = load_config_file(path)
    assert config.train.epochs >= 1


def test_damaged_run_files_give_one_line_errors(tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "run"
    assert invoke("train", "--hidden", "16", "--epochs", "1", "--out", run, "--quiet")[0] == 0
    code, output = invoke("train", "--resume", run, "--epochs", "ten")
    assert code == 2 and "train.epochs must be an integer" in output
    (tmp_path / "latin1.yaml").write_bytes("model:\n  latent_dim: 2 # d\xe9j\xe0\n".encode("latin-1"))
    code, output = invoke("train", "--config", tmp_path / "latin1.yaml", "--out", tmp_path / "other")
    assert code == 2 and "cannot parse config file" in output

    broken = tmp_path / "broken"
    shutil.copytree(run, broken)
    shutil.copy(broken / "model.safetensors", broken / "checkpoint.safetensors")  # weights, but no state
    code, output = invoke("train", "--resume", broken, "--epochs", "2")
    assert code == 2 and "corrupt or not a vaekit checkpoint" in output and len(output.strip().splitlines()) == 1
    (broken / "metrics.csv").write_text("epoch,step\none,two\n")
    code, output = invoke("info", broken)
    assert code == 2 and "metrics.csv is corrupt" in output


def test_resume_on_another_device_type_is_refused(tmp_path: Path) -> None:
    import json as json_module

    from safetensors import safe_open
    from safetensors.torch import save_file

    run = tmp_path / "run"
    assert invoke("train", "--hidden", "16", "--epochs", "1", "--out", run, "--quiet")[0] == 0
    path = str(run / "checkpoint.safetensors")
    with safe_open(path, framework="pt") as handle:
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}
        meta = json_module.loads(handle.metadata()["vaekit"])
    save_file(tensors, path, metadata={"vaekit": json_module.dumps({**meta, "device_type": "cuda"})})
    before = (run / "config.json").read_bytes()
    code, output = invoke("train", "--resume", run, "--epochs", "2")
    assert code == 2 and "trained on cuda" in output
    assert (run / "config.json").read_bytes() == before  # a refused resume changes nothing
