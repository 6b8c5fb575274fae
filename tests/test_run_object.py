"""One Run: every command that takes a run directory reads its config.json once, and Run.open(...).load_model()
is vaekit.load(...)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import torch

import vaekit
import vaekit.training.loop
from conftest import invoke
from vaekit.runs.run import Run
from vaekit.training.metrics_log import read_metrics


@pytest.fixture
def config_reads(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How many times each run directory's config.json is read (by any code, through Path.read_text or
    Path.read_bytes)."""
    reads: Counter = Counter()

    def counting(real):  # type: ignore[no-untyped-def]
        def counted(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if self.name == "config.json":
                reads[self.parent.resolve()] += 1
            return real(self, *args, **kwargs)
        return counted

    monkeypatch.setattr(Path, "read_text", counting(Path.read_text))
    monkeypatch.setattr(Path, "read_bytes", counting(Path.read_bytes))
    return reads


@pytest.fixture
def run_copy(digits_run: Path, tmp_path: Path) -> Path:
    """The shared digits run, copied: the commands below write into it."""
    return Path(shutil.copytree(digits_run, tmp_path / "run"))


COMMANDS = {
    "sample": lambda run, out: ["sample", run, "-n", "4", "--out", out / "s.png"],
    "score": lambda run, out: ["score", run, "--kind", "elbo,rate", "--out", out / "scores.csv"],
    "score into the run": lambda run, out: ["score", run, "--kind", "elbo"],
    "evaluate": lambda run, out: ["evaluate", run, "--k", "2"],
    "report": lambda run, out: ["report", run, "--k", "2"],
    "reconstruct": lambda run, out: ["reconstruct", run, "-n", "4", "--out", out / "r.png"],
    "embed": lambda run, out: ["embed", run, "--out", out / "codes.npy"],
    "interpolate": lambda run, out: ["interpolate", run, "--steps", "3", "--out", out / "i.png"],
    "plot latent": lambda run, out: ["plot", "latent", run, "--out", out / "latent.png"],
    "plot traversals": lambda run, out: ["plot", "traversals", run, "--dims", "2", "--steps", "3"],
    "info": lambda run, out: ["info", run],
    "cluster": lambda run, out: ["cluster", run, "--method", "kmeans", "--out", out / "clusters.csv"],
    "denoise": lambda run, out: ["denoise", run, "--count", "4", "--out", out / "clean.csv"],
    "impute": lambda run, out: ["impute", run, "--out", out / "filled.npy"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_reads_its_runs_config_once(command: str, run_copy: Path, tmp_path: Path,
                                              config_reads: Counter) -> None:
    code, output = invoke(*COMMANDS[command](run_copy, tmp_path))
    assert code == 0, output
    assert dict(config_reads) == {run_copy.resolve(): 1}


def test_score_reads_each_run_once_the_background_too(run_copy: Path, digits_run: Path, tmp_path: Path,
                                                     config_reads: Counter) -> None:
    background = Path(shutil.copytree(digits_run, tmp_path / "background"))
    code, output = invoke("score", run_copy, "--kind", "likelihood_ratio", "--k", "2", "--background", background,
                          "--out", tmp_path / "ratio.csv")
    assert code == 0, output
    assert dict(config_reads) == {run_copy.resolve(): 1, background.resolve(): 1}


def test_an_open_run_loads_the_model_vaekit_load_loads(digits_run: Path, config_reads: Counter) -> None:
    run = Run.open(digits_run)
    assert config_reads[digits_run.resolve()] == 1
    assert run.path == digits_run and run.data_info["kind"] == "image" and run.data_info["shape"] == [1, 8, 8]
    assert run.config.model.latent_dim == 2 and run.record["data"] is run.data_info
    assert run.metrics == read_metrics(digits_run / "metrics.csv") and len(run.metrics) == 8
    for weights in ("final", "best"):
        model = run.load_model(weights=weights)
        assert run.model is model and run.load_model("cpu", weights) is model  # built once per device and weights
        loaded = vaekit.load(digits_run, "cpu", weights)
        x = torch.rand(5, 1, 8, 8)
        q_run, q_load = model.encode(x), loaded.encode(x)
        assert torch.equal(q_run.mean, q_load.mean) and torch.equal(q_run.stddev, q_load.stddev)
        assert torch.equal(model.decode(q_run.mean).mean, loaded.decode(q_load.mean).mean)
        assert not model.training
    assert config_reads[digits_run.resolve()] == 1 + 2  # vaekit.load opened it twice, the Run once


def test_an_open_run_gives_vaekit_loads_errors(tmp_path: Path, run_copy: Path) -> None:
    for path in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(vaekit.VaekitError) as by_load:
            vaekit.load(path)
        with pytest.raises(vaekit.VaekitError) as by_open:
            Run.open(path)
        assert str(by_open.value) == str(by_load.value)
    with pytest.raises(vaekit.VaekitError, match="weights must be one of final, best, got 'last'"):
        vaekit.load(tmp_path / "nowhere", weights="last")  # the weights are checked first, as always
    with pytest.raises(vaekit.VaekitError, match="weights must be one of final, best, got 'last'"):
        Run.open(run_copy).load_model(weights="last")
    (run_copy / "model.safetensors").unlink()
    opened = Run.open(run_copy)  # a run without weights opens; its model is what is missing
    with pytest.raises(vaekit.VaekitError, match="has no model in it"):
        opened.load_model()


def test_metrics_are_read_when_asked_for(run_copy: Path) -> None:
    (run_copy / "metrics.csv").write_text("epoch,step\n1,x\n")
    run = Run.open(run_copy)  # commands that never look at the metrics do not fail on them
    with pytest.raises(vaekit.VaekitError, match="metrics.csv is corrupt"):
        run.metrics  # noqa: B018


def test_there_is_one_run_class() -> None:
    assert vaekit.Run is Run and vaekit.training.loop.Run is Run
    assert vaekit.load is vaekit.runs.run.load
