"""Model cards and the Hugging Face Hub: RUN/README.md's YAML header and prose, `vaekit.load("hf://user/name")`
from a snapshot laid out in a temporary Hugging Face cache (offline), and `vaekit push` refused without a token.
No test reaches the network: the upload itself is checked with huggingface_hub's calls replaced."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import torch
import yaml

import vaekit
from conftest import invoke

SECTIONS = ["## Data", "## Model and objective", "## Training", "## Evaluation", "## Intended use",
            "## Known limits", "## How to load"]


@pytest.fixture
def run(digits_run: Path, tmp_path: Path) -> Path:
    """A copy of the shared digits run (evaluate and card write into it)."""
    return Path(shutil.copytree(digits_run, tmp_path / "run", ignore=shutil.ignore_patterns("*.lock")))


@pytest.fixture
def hub_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty Hugging Face home and cache, offline, with no token."""
    pytest.importorskip("huggingface_hub", reason="the hub extra: pip install vaekit[hub]")
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    return home / "hub"


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    header, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(header)


def test_the_card_holds_the_runs_data_fingerprint_and_its_evaluation_with_the_protocol(run: Path) -> None:
    code, output = invoke("evaluate", run, "--k", "20")
    assert code == 0, output
    code, output = invoke("card", run, "--name", "me/digits-vae")
    assert code == 0, output
    text = (run / "README.md").read_text()
    header = front_matter(text)
    record = json.loads((run / "config.json").read_text())
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert header["library_name"] == "vaekit"
    assert {"vae", "image", "bernoulli", "mlp", "elbo"} <= set(header["tags"])
    assert header["datasets"] == ["digits"]
    assert header["vaekit"]["data_fingerprint"] == record["data"]["fingerprint"]
    assert header["vaekit"]["config_data_fingerprint"] == record["fingerprints"]["data"]
    assert header["vaekit"]["evaluation_protocol"] == evaluation["protocol"]
    result = header["model-index"][0]["results"][0]
    assert header["model-index"][0]["name"] == "me/digits-vae"
    assert result["dataset"]["split"] == evaluation["split"]
    assert all(metric["args"]["protocol"] == evaluation["protocol"] for metric in result["metrics"])
    metrics = {metric["type"]: metric["value"] for metric in result["metrics"]}
    assert metrics["neg_elbo"] == evaluation["neg_elbo"]["mean"]
    assert metrics["neg_log_likelihood"] == evaluation["neg_log_likelihood"]["mean"]
    assert metrics["active_units"] == evaluation["active_units"]
    assert not any(name.startswith("baseline_") for name in metrics)
    for section in SECTIONS:
        assert section in text
    assert "out-of-distribution" in text and "grey levels" in text and 'vaekit.load("hf://me/digits-vae")' in text
    # the Hub's own reading of the header, model-index validated as the Hub validates it
    card = pytest.importorskip("huggingface_hub", reason="the hub extra: pip install vaekit[hub]").ModelCard(text)
    assert card.data.library_name == "vaekit" and card.data.model_name == "me/digits-vae"
    assert {result.metric_type: result.metric_value for result in card.data.eval_results} == metrics


def test_a_card_without_an_evaluation_says_so_and_lists_no_metrics(run: Path, tmp_path: Path) -> None:
    (run / "evaluation.json").unlink(missing_ok=True)
    code, output = invoke("card", run, "--out", tmp_path / "card.md")
    assert code == 0, output
    text = (tmp_path / "card.md").read_text()
    assert "model-index" not in front_matter(text) and "vaekit evaluate" in text
    assert not (run / "README.md").exists()


def _lay_out_snapshot(cache: Path, repo: str, run: Path, commit: str = "0" * 39 + "1") -> Path:
    """A repository as huggingface_hub's cache holds it: models--user--name/refs/main naming a commit, each file's
    bytes in blobs/ and snapshots/<commit>/ holding relative links to them."""
    folder = cache / f"models--{repo.replace('/', '--')}"
    snapshot = folder / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (folder / "blobs").mkdir()
    for name in ("config.json", "model.safetensors", "metrics.csv"):
        blob = hashlib.sha256((run / name).read_bytes()).hexdigest()
        shutil.copy(run / name, folder / "blobs" / blob)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob))
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(commit)
    return snapshot


def test_load_of_a_hub_address_reads_the_cached_snapshot_offline(run: Path, hub_env: Path) -> None:
    _lay_out_snapshot(hub_env, "me/digits-vae", run)
    hub, local = vaekit.load("hf://me/digits-vae"), vaekit.load(run)
    assert hub.state_dict().keys() == local.state_dict().keys()
    assert all(torch.equal(a, b) for a, b in zip(hub.state_dict().values(), local.state_dict().values()))
    pinned = vaekit.load("hf://me/digits-vae@main")  # a revision: the branch refs/main names
    assert all(torch.equal(a, b) for a, b in zip(pinned.state_dict().values(), local.state_dict().values()))
    code, output = invoke("info", "hf://me/digits-vae")
    assert code == 0 and "model: present" in output, output


def test_a_hub_snapshot_is_checked_like_a_run_directory(run: Path, hub_env: Path) -> None:
    snapshot = _lay_out_snapshot(hub_env, "me/digits-vae", run)
    record = json.loads((snapshot / "config.json").read_text())
    record["data"]["n_train"] += 1  # config.json's data section no longer matches its fingerprint
    (snapshot / "config.json").unlink()  # a new blob, as a changed file would be
    (snapshot / "config.json").write_text(json.dumps(record))
    with pytest.raises(vaekit.VaekitError, match="does not match the run's fingerprint"):
        vaekit.load("hf://me/digits-vae")


def test_push_without_a_token_is_refused_in_one_line_before_writing_the_card(run: Path, hub_env: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE")
    code, output = invoke("push", run, "me/digits-vae")
    assert code == 2 and output.strip().startswith("error: pushing to the Hub needs a token"), output
    assert len(output.strip().splitlines()) == 1 and not (run / "README.md").exists()


def test_push_uploads_the_run_with_its_card_but_no_lock_or_checkpoint(run: Path, hub_env: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    monkeypatch.delenv("HF_HUB_OFFLINE")
    calls: dict = {}
    monkeypatch.setattr(huggingface_hub, "create_repo", lambda name, **kw: calls.setdefault("repo", (name, kw)))
    monkeypatch.setattr(huggingface_hub, "upload_folder", lambda **kw: calls.setdefault("upload", kw))
    (run / "vaekit.lock").write_text("")
    code, output = invoke("push", run, "me/digits-vae", "--token", "hf_test", "--private")
    assert code == 0, output
    assert calls["repo"] == ("me/digits-vae", {"token": "hf_test", "private": True, "exist_ok": True})
    upload = calls["upload"]
    assert upload["repo_id"] == "me/digits-vae" and Path(upload["folder_path"]) == run
    sent = {path.name for path in run.iterdir() if path.is_file()
            and not any(fnmatch.fnmatch(path.name, pattern) for pattern in upload["ignore_patterns"])}
    assert {"README.md", "config.json", "model.safetensors"} <= sent
    assert "vaekit.lock" not in sent and "checkpoint.safetensors" not in sent
