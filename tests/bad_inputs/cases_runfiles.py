"""Run files that do not match their run (issue 22): a vocabulary with two tokens swapped, an edited data
description, a model.safetensors or code-prior.json from elsewhere after fit-prior; score kinds that mean nothing
for the run's data; a second `vaekit score` on a run; tar shards whose .npy members lie in their headers."""

from __future__ import annotations

import functools
import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner

from bad_inputs.case import Case, Workspace, copy_run
from vaekit.cli import main

TEXT_LINES = "The cat sat on the mat.\nA dog ran.\nThe dog sat.\n" * 4
NEW = ["--hidden", "8", "--epochs", "1", "--quiet", "--out", "{root}/new"]
FINGERPRINT = r"does not match the run's fingerprint in config\.json"
_HELD: list[Any] = []  # claims held by a case's setup (as another process would hold them) until the test ends


def _train(folder: Path, *argv: str) -> None:
    result = CliRunner().invoke(main, [*argv, "--quiet", "--out", str(folder / "run")])
    assert result.exit_code == 0, result.output


@functools.cache
def _text_run() -> Path:
    """A tiny text run, trained once (about a second); each case copies it into its workspace."""
    folder = Path(tempfile.mkdtemp(prefix="vaekit-runfiles-text-"))
    (folder / "lines.txt").write_text(TEXT_LINES)
    _train(folder, "train", "--data", str(folder / "lines.txt"), "--network", "rnn", "--rnn-hidden", "8",
           "--embedding-dim", "4", "--latent-dim", "2", "--epochs", "1")
    return folder / "run"


@functools.cache
def _fitted_vq_run() -> Path:
    """A tiny VQ run on digits with its prior fitted (fit-prior), trained once; model-unfitted.safetensors beside
    it keeps the weights from before the fit."""
    folder = Path(tempfile.mkdtemp(prefix="vaekit-runfiles-vq-"))
    _train(folder, "train", "--data", "digits", "--posterior", "vq", "--prior", "codes", "--objective", "vq",
           "--latent-dim", "4", "--code-dim", "2", "--codebook-size", "4", "--hidden", "16", "--epochs", "1")
    shutil.copy(folder / "run" / "model.safetensors", folder / "model-unfitted.safetensors")
    result = CliRunner().invoke(main, ["fit-prior", str(folder / "run"), "--epochs", "1"])
    assert result.exit_code == 0, result.output
    return folder / "run"


def _swapped_vocabulary(w: Workspace) -> None:
    run = copy_run(_text_run(), w.path("text"))
    saved = json.loads((run / "vocabulary.json").read_text())
    saved["tokens"][4], saved["tokens"][5] = saved["tokens"][5], saved["tokens"][4]  # the count stays the same
    (run / "vocabulary.json").write_text(json.dumps(saved))


def _edited_data_description(w: Workspace) -> None:
    record = json.loads((w.run / "config.json").read_text())
    record["data"]["n_train"] += 100
    (w.run / "config.json").write_text(json.dumps(record))


def _vq_with(w: Workspace, model: bool = False, report: bool = False) -> None:
    run = copy_run(_fitted_vq_run(), w.path("vq"))
    if model:  # the weights from before fit-prior, as a restore from an older copy would bring back
        shutil.copy(_fitted_vq_run().parent / "model-unfitted.safetensors", run / "model.safetensors")
    if report:
        saved = json.loads((run / "code-prior.json").read_text())
        (run / "code-prior.json").write_text(json.dumps({**saved, "train_bits": 1.0}))


def _scoring(w: Workspace) -> None:
    """The workspace's run held as a `vaekit score` at work in another process holds it."""
    from vaekit.runs.lock import claim_run

    claim = claim_run(w.run, "vaekit score")
    claim.__enter__()
    _HELD.append(claim)


def _npy(array: np.ndarray, shape: str | None = None) -> bytes:
    """An .npy file's bytes; `shape` rewrites its header's shape (the header keeps its padded length)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    data = buffer.getvalue()
    if shape is None:
        return data
    length = int.from_bytes(data[8:10], "little")
    text = data[10:10 + length]
    start = text.index(b"'shape': (") + len(b"'shape': ")
    changed = (text[:start] + shape.encode() + text[text.index(b")", start) + 1:]).rstrip(b"\n").rstrip(b" ")
    return data[:10] + changed.ljust(length - 1) + b"\n" + data[10 + length:]


def _shard(member: bytes) -> Any:
    def setup(w: Workspace) -> None:
        with tarfile.open(w.path("npyshard.tar"), "w") as archive:
            for index in range(3):
                data = _npy(np.zeros(8, np.float32)) if index else member
                info = tarfile.TarInfo(f"s{index}.npy")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return setup


def _complexity_of_audio(w: Workspace) -> None:
    from vaekit.config.model import ModelConfig
    from vaekit.model.build import build_model
    from vaekit.tasks.scoring import score_many

    model = build_model(ModelConfig(hidden=[8], latent_dim=2), (1, 8, 10), "audio")
    score_many(model, np.zeros((2, 1, 8, 10), np.float32), "complexity")


CASES = [
    Case("runfiles-vocabulary-tokens-swapped",
         rf"text/vocabulary\.json {FINGERPRINT}; restore the run's own vocabulary\.json",
         ["reconstruct", "{root}/text", "-n", "2", "--out", "r.tsv"], setup=_swapped_vocabulary),
    Case("runfiles-vocabulary-tokens-swapped-sample", rf"vocabulary\.json {FINGERPRINT}",
         ["sample", "{root}/text", "-n", "2", "--out", "s.txt"], setup=_swapped_vocabulary),
    Case("runfiles-data-description-edited", rf"config\.json {FINGERPRINT}; its \"data\" section was edited",
         ["evaluate", "{run}"], setup=_edited_data_description),
    Case("runfiles-model-from-before-fit-prior",
         rf"vq/model\.safetensors {FINGERPRINT}; its prior is not the one vaekit fit-prior fitted: .*vaekit "
         r"fit-prior", ["sample", "{root}/vq", "-n", "4", "--out", "s.png"], setup=lambda w: _vq_with(w, model=True)),
    Case("runfiles-code-prior-report-edited",
         rf"vq/code-prior\.json {FINGERPRINT}; restore the run's own code-prior\.json, or fit the prior again",
         ["evaluate", "{root}/vq"], setup=lambda w: _vq_with(w, report=True)),
    Case("runfiles-score-reconstruction-of-text",
         r"the reconstruction score is a squared difference of values, which means nothing for text data .*"
         r"choose another --kind \(elbo, iw, rate\)",
         ["score", "{root}/text", "--kind", "reconstruction", "--out", "s.csv"],
         setup=lambda w: copy_run(_text_run(), w.path("text"))),
    Case("runfiles-score-complexity-of-audio",
         r"the complexity score is for pictures of values in \[0, 1\] .* audio data are not", api=_complexity_of_audio),
    Case("runfiles-second-score-on-a-run",
         r"is being written by `vaekit score` \(pid \d+, since \d\d:\d\d:\d\d\); wait for it to finish",
         ["score", "{run}", "--kind", "rate"], setup=_scoring),
    Case("runfiles-shard-npy-declares-a-billion-examples",
         r"the \.npy of sample 's0' of .*npyshard\.tar is truncated: its header's shape \(1000000000, 8\) of "
         r"float32 needs 32,000,000,000 bytes, but 32 follow the header",
         ["train", "--data", "npyshard.tar", *NEW], setup=_shard(_npy(np.zeros(8, np.float32), "(1000000000, 8)"))),
    Case("runfiles-shard-npy-of-objects", r"the \.npy of sample 's0' of .*npyshard\.tar holds Python objects",
         ["train", "--data", "npyshard.tar", *NEW],
         setup=_shard(_npy(np.array([{"a": 1}] * 8, dtype=object)))),
]
