"""Run files carry the fingerprints of what the run depends on (runs/fingerprints.py): a vocabulary with two tokens
swapped, an edited data description, a model.safetensors or code-prior.json from elsewhere are refused on opening,
naming the file; runs from before fingerprints open as before; resume after fit-prior says it does not keep the
fitted prior and removes its stale report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from conftest import invoke
from vaekit.core.errors import VaekitError
from vaekit.runs.fingerprints import json_sha256
from vaekit.runs.run import Run, load
from vaekit.training.loop import resume, train

LINES = "The cat sat on the mat.\nA dog ran.\nThe dog sat.\n" * 4
TEXT = ["--network", "rnn", "--rnn-hidden", "8", "--embedding-dim", "4", "--latent-dim", "2", "--epochs", "1",
        "--quiet"]
VQ_RUN = {"data": {"source": "digits"},
          "model": {"posterior": "vq", "prior": "codes", "latent_dim": 4, "code_dim": 2, "codebook_size": 4,
                    "hidden": [16]},
          "objective": {"name": "vq"}, "train": {"epochs": 1, "batch_size": 128}}


@pytest.fixture(scope="module")
def text_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("text")
    (folder / "lines.txt").write_text(LINES)
    code, output = invoke("train", "--data", folder / "lines.txt", *TEXT, "--out", folder / "run")
    assert code == 0, output
    return folder / "run"


@pytest.fixture(scope="module")
def vq_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vq") / "run"
    train(VQ_RUN, path, progress=False, pictures=False)
    return path


def _record(run: Path) -> dict:
    return json.loads((run / "config.json").read_text())


def test_a_text_run_records_its_vocabulary_and_data_description(text_run: Path) -> None:
    record = _record(text_run)
    tokens = json.loads((text_run / "vocabulary.json").read_text())["tokens"]
    assert record["fingerprints"] == {"data": json_sha256(record["data"]), "vocabulary.json": json_sha256(tokens)}
    assert Run.open(text_run).data_info == record["data"]


def test_a_vocabulary_with_two_tokens_swapped_is_refused(text_run: Path, tmp_path: Path) -> None:
    run = shutil.copytree(text_run, tmp_path / "run")
    saved = json.loads((run / "vocabulary.json").read_text())
    saved["tokens"][4], saved["tokens"][5] = saved["tokens"][5], saved["tokens"][4]  # same count, other words
    (run / "vocabulary.json").write_text(json.dumps(saved))
    with pytest.raises(VaekitError, match=r"vocabulary\.json does not match the run's fingerprint in config\.json; "
                                          r"restore the run's own vocabulary\.json"):
        Run.open(run)
    before = sorted(path.name for path in run.iterdir())
    code, output = invoke("reconstruct", run, "-n", "2", "--out", tmp_path / "r.tsv")
    assert code == 2 and output.count("error:") == 1 and "vocabulary.json does not match" in output
    assert not (tmp_path / "r.tsv").exists() and sorted(path.name for path in run.iterdir()) == before


def test_an_edited_data_description_is_refused(text_run: Path, tmp_path: Path) -> None:
    run = shutil.copytree(text_run, tmp_path / "run")
    record = _record(run)
    record["data"]["n_train"] += 1
    (run / "config.json").write_text(json.dumps(record))
    with pytest.raises(VaekitError, match=r"config\.json does not match the run's fingerprint .*\"data\" section"):
        Run.open(run)


def test_a_run_without_fingerprints_opens_as_before(text_run: Path, tmp_path: Path) -> None:
    run = shutil.copytree(text_run, tmp_path / "run")
    record = _record(run)
    del record["fingerprints"]
    (run / "config.json").write_text(json.dumps(record))
    saved = json.loads((run / "vocabulary.json").read_text())
    saved["tokens"][4], saved["tokens"][5] = saved["tokens"][5], saved["tokens"][4]
    (run / "vocabulary.json").write_text(json.dumps(saved))
    assert Run.open(run).data_info["vocabulary_size"] == len(saved["tokens"])  # only the count is known


def test_fit_prior_records_the_fitted_prior_and_refuses_another(vq_run: Path, tmp_path: Path) -> None:
    run = shutil.copytree(vq_run, tmp_path / "run")
    unfitted = (run / "model.safetensors").read_bytes()
    code, output = invoke("fit-prior", run, "--epochs", "1")
    assert code == 0, output
    found = _record(run)["fingerprints"]
    assert set(found) == {"data", "prior", "code-prior.json"}
    assert found["code-prior.json"] == json_sha256(json.loads((run / "code-prior.json").read_text()))
    assert load(run).prior.fitted
    (run / "model.safetensors").write_bytes(unfitted)  # another model.safetensors: its prior is not the fitted one
    with pytest.raises(VaekitError, match=r"model\.safetensors does not match the run's fingerprint .*its prior is "
                                          r"not the one vaekit fit-prior fitted"):
        load(run)
    assert not load(run, weights="best").prior.fitted  # the best epoch's weights were never fitted: not checked
    code, output = invoke("fit-prior", run, "--epochs", "1")  # the remedy the message names works
    assert code == 0, output
    assert load(run).prior.fitted
    report = json.loads((run / "code-prior.json").read_text())
    (run / "code-prior.json").write_text(json.dumps({**report, "train_bits": 0.5}))
    with pytest.raises(VaekitError, match=r"code-prior\.json does not match the run's fingerprint"):
        load(run)


def test_resume_after_fit_prior_says_it_resets_the_prior_and_removes_its_report(
        vq_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = shutil.copytree(vq_run, tmp_path / "run")
    code, output = invoke("fit-prior", run, "--epochs", "1")
    assert code == 0, output
    capsys.readouterr()
    resumed = resume(run, epochs=2, progress=False)
    said = capsys.readouterr().err
    assert "notice: resuming from the checkpoint of epoch 1, whose prior over codes is not the one vaekit " \
           "fit-prior fitted" in said and f"run vaekit fit-prior {run} again" in said
    assert not (run / "code-prior.json").exists()
    assert "prior" not in _record(run)["fingerprints"] and "code-prior.json" not in _record(run)["fingerprints"]
    assert not bool(load_file(str(run / "model.safetensors"))["prior_module.fitted"])
    assert not resumed.model.prior.fitted
    model = load(run)  # opens: nothing stale is left to refuse
    assert not model.prior.fitted and torch.isfinite(next(model.parameters())).all()


def test_a_json_fingerprint_is_that_of_the_value_as_config_json_stores_it() -> None:
    assert json_sha256({2: (1.5, float("nan")), 10: "é"}) == json_sha256({"10": "é", "2": [1.5, None]})
    assert json_sha256(["a", "b"]) != json_sha256(["b", "a"])  # order is meaning: the token of id i
