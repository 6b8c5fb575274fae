"""Run directories that are not ours to write (busy, foreign, empty names) and faults of the file system (a
read-only disk, a full disk, a directory where a file should go)."""

from __future__ import annotations

import builtins
import errno
import io
import math
import os
from typing import Any

from bad_inputs.case import Case, Workspace

TINY = ["--data", "digits", "--hidden", "8", "--epochs", "1", "--quiet"]
BUSY = r"is being written by `vaekit (train|evaluate)` \(pid \d+, since \d\d:\d\d:\d\d\); wait for it to finish"
_HELD: list[Any] = []  # claims held by a case's setup (as another process would hold them) until the test ends


def _hold(folder: str = "run", command: str = "vaekit train"):  # type: ignore[no-untyped-def]
    """Setup that claims a run directory the way a running `vaekit train` does, and keeps it."""
    def setup(w: Workspace) -> None:
        from vaekit.runs.lock import claim_run

        claim = claim_run(w.path(folder), command)
        claim.__enter__()
        _HELD.append(claim)
    return setup


def _file_system_refuses(code: int):  # type: ignore[no-untyped-def]
    """Setup under which creating or changing any file fails with `code` (EROFS: a read-only disk, ENOSPC: a full
    one), as the operating system would; reading works."""
    def setup(w: Workspace) -> None:
        real_open, real_os_open = builtins.open, os.open

        def refuse(path: Any, *args: Any, **kwargs: Any) -> Any:
            raise OSError(code, os.strerror(code), str(path))

        def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND):
                refuse(path)
            return real_os_open(path, flags, *args, **kwargs)

        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if not isinstance(file, int) and any(c in mode for c in "wax+"):
                refuse(file)
            return real_open(file, mode, *args, **kwargs)

        for module, name, value in ((os, "open", os_open), (builtins, "open", open_), (io, "open", open_),
                                    (os, "mkdir", refuse), (os, "replace", refuse), (os, "rename", refuse)):
            w.monkeypatch.setattr(module, name, value)
    return setup


def _safetensors_disk_full(w: Workspace) -> None:
    """safetensors' own writer (in Rust) reports a full disk as a SafetensorError, not an OSError."""
    from safetensors import SafetensorError

    def save_file(*args: Any, **kwargs: Any) -> None:
        raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No '
                              'space left on device" })')

    import vaekit.runs.directory
    import vaekit.training.checkpoint

    w.monkeypatch.setattr(vaekit.training.checkpoint, "save_file", save_file)
    w.monkeypatch.setattr(vaekit.runs.directory, "save_file", save_file)


def _resume_api(w: Workspace) -> Any:
    import vaekit

    return vaekit.resume(w.run, progress=False)


def _train_api_empty_out(w: Workspace) -> Any:
    import vaekit

    return vaekit.train({"data": {"source": "digits"}, "train": {"epochs": 1}}, "", progress=False)


def _user_files(w: Workspace) -> None:
    w.write("mine/metrics.csv", "day,steps\nmonday,9000\n")
    w.write("mine/samples.png", b"\x89PNG my holiday picture")


def _busy_empty_folder(w: Workspace) -> None:
    w.path("fresh").mkdir()
    _hold("fresh")(w)


def _killed_before_checkpoint(w: Workspace) -> None:
    """A folder as kill -9 leaves it between the run's config.json and its first checkpoint."""
    w.write("k9/config.json", (w.run / "config.json").read_text())


CASES = [
    # ownership: train writes only into a folder that is new, empty, or its own run (with --resume)
    Case("out-empty-string", r"--out is empty", ["train", *TINY, "--out", ""]),
    Case("out-under-a-file", r"cannot create .*afile/sub: .*afile is a file", ["train", *TINY, "--out",
         "{root}/afile/sub"], setup=lambda w: w.write("afile", "notes\n")),
    Case("out-holds-user-files", r"holds files vaekit did not write \(metrics\.csv, samples\.png\)",
         ["train", *TINY, "--out", "{root}/mine"], setup=_user_files),
    Case("api-train-out-empty", r"--out is empty", api=_train_api_empty_out),
    Case("resume-empty-string", r"--resume is empty", ["train", "--resume", "", "--quiet"]),
    Case("sample-run-empty-string", r"run directory is empty .*name a run", ["sample", ""]),
    # a run being written: every command refuses and names the writer
    Case("resume-while-training", BUSY, ["train", "--resume", "{run}", "--quiet"], setup=_hold()),
    Case("train-into-a-claimed-folder", BUSY + r".* or use another --out", ["train", *TINY, "--out",
         "{root}/fresh"], setup=_busy_empty_folder),
    Case("evaluate-while-training", BUSY, ["evaluate", "{run}", "--k", "2"], setup=_hold()),
    Case("report-while-training", BUSY, ["report", "{run}", "--k", "2"], setup=_hold()),
    Case("sample-while-training", BUSY, ["sample", "{run}", "--out", "{root}/s.png"], setup=_hold()),
    Case("embed-while-training", BUSY, ["embed", "{run}", "--out", "{root}/codes.csv"], setup=_hold()),
    Case("plot-latent-while-training", BUSY, ["plot", "latent", "{run}", "--out", "{root}/l.png"],
         setup=_hold()),
    Case("compare-while-evaluating", BUSY, ["compare", "{run}"], setup=_hold(command="vaekit evaluate")),
    Case("api-resume-while-training", BUSY, api=_resume_api, setup=_hold()),
    # faults of the file system: one line naming the file, the reason and the remedy
    Case("sample-out-is-a-directory", r"cannot write .*pics\.png: it is a directory; name a file",
         ["sample", "{run}", "--out", "{root}/pics.png"], setup=lambda w: w.path("pics.png").mkdir()),
    Case("train-read-only-disk", r"cannot create .*new: Read-only file system; .*writable",
         ["train", *TINY, "--out", "{root}/new"], setup=_file_system_refuses(errno.EROFS)),
    Case("resume-read-only-disk", r"cannot write .*run.*: Read-only file system; .*writable",
         ["train", "--resume", "{run}", "--quiet"], setup=_file_system_refuses(errno.EROFS)),
    Case("sample-read-only-disk", r"cannot write .*samples\.png: Read-only file system; .*writable",
         ["sample", "{run}"], setup=_file_system_refuses(errno.EROFS)),
    Case("evaluate-read-only-disk", r"cannot write .*run.*: Read-only file system; .*writable",
         ["evaluate", "{run}", "--k", "2"], setup=_file_system_refuses(errno.EROFS)),
    Case("report-read-only-disk", r"cannot write .*run.*: Read-only file system; .*writable",
         ["report", "{run}", "--k", "2"], setup=_file_system_refuses(errno.EROFS)),
    Case("sample-disk-full", r"cannot write .*s\.png: No space left on device; free some space",
         ["sample", "{run}", "--out", "{root}/s.png"], setup=_file_system_refuses(errno.ENOSPC)),
    Case("train-disk-full-safetensors", r"cannot write .*new/checkpoint\.safetensors: No space left on device; "
         r"free some space", ["train", *TINY, "--out", "{root}/new"], setup=_safetensors_disk_full),
    # a run killed (kill -9) after writing config.json but before its first checkpoint: both commands say what to do
    Case("train-over-run-killed-before-checkpoint", r"stopped before its first checkpoint.*delete .*k9 and train again",
         ["train", *TINY, "--out", "{root}/k9"], setup=_killed_before_checkpoint),
    Case("resume-run-killed-before-checkpoint", r"cannot be resumed; delete .*k9 and train again",
         ["train", "--resume", "{root}/k9"], setup=_killed_before_checkpoint),
]

# a run's JSON files are bounded in nesting and size before they are parsed (core/json_file.py)
CASES += [
    Case("config-json-nested-deep", r"config\.json nests 100,000 levels deep, at most 32 are allowed",
         ["info", "{run}"], setup=lambda w: (w.run / "config.json").write_text("[" * 100_000 + "]" * 100_000)),
    Case("evaluation-json-nested-deep", r"evaluation\.json nests 50,000 levels deep",
         ["compare", "{run}", "{run}"],
         setup=lambda w: (w.run / "evaluation.json").write_text('{"a": ' + "[" * 49_999 + "]" * 49_999 + "}")),
    Case("config-json-huge", r"config\.json is 70,000,000 bytes, more than the 67,108,864",
         ["info", "{run}"], setup=lambda w: (w.run / "config.json").write_text(" " * 70_000_000)),
]


def _nested_checkpoint_metadata(w: Workspace) -> None:
    from safetensors.torch import load_file, save_file

    path = w.run / "checkpoint.safetensors"
    save_file(load_file(str(path)), str(path), metadata={"vaekit": "[" * 100_000 + "]" * 100_000})


CASES += [
    Case("checkpoint-metadata-nested-deep", r"checkpoint .* is corrupt .*nests 100,000 levels deep",
         ["train", "--resume", "{run}", "--epochs", "9"], setup=_nested_checkpoint_metadata),
]


def _checkpoint_not_finite(prefix: str, value: float):  # type: ignore[no-untyped-def]
    """Setup that sets every float tensor of the run's checkpoint whose name starts with `prefix` to `value`,
    keeping the file's metadata (a checkpoint damaged on disk or edited: training never saves one)."""
    def setup(w: Workspace) -> None:
        from safetensors import safe_open
        from safetensors.torch import load_file, save_file

        path = str(w.run / "checkpoint.safetensors")
        with safe_open(path, framework="pt") as handle:
            metadata = handle.metadata()
        tensors = load_file(path)
        for name, tensor in tensors.items():
            if name.startswith(prefix) and tensor.is_floating_point():
                tensor.fill_(value)
        save_file(tensors, path, metadata=metadata)
    return setup


def _evaluation_not_finite(w: Workspace) -> None:
    """The run's own evaluation.json, current (it names the run's weights), with every number NaN."""
    import json

    from vaekit.tasks.evaluation.provenance import file_sha256

    numbers = {"examples": 360, "k": 2, "neg_elbo": {"mean": 35.1, "se": 0.4}, "distortion": {"mean": 31.0,
               "se": 0.4}, "rate": {"mean": 4.1, "se": 0.1}}
    evaluation = json.loads(json.dumps(numbers), parse_int=lambda _: float("nan"),
                            parse_float=lambda _: float("nan"))
    evaluation.update(split="test", data="digits", data_sha256="0" * 64,
                      weights_sha256=file_sha256(w.run / "model.safetensors"))
    (w.run / "evaluation.json").write_text(json.dumps(evaluation))


# numbers vaekit never writes, read back: a checkpoint's NaN weights or moments, an evaluation's NaN (issue 22)
NOT_FINITE = r"checkpoint .*checkpoint\.safetensors holds NaN or infinite values \(in {}\..*\): it is damaged"
CASES += [
    Case("resume-checkpoint-weights-nan", NOT_FINITE.format("model"),
         ["train", "--resume", "{run}", "--epochs", "10", "--quiet"], setup=_checkpoint_not_finite("", math.nan)),
    Case("resume-checkpoint-optimizer-inf", NOT_FINITE.format("optimizer"),
         ["train", "--resume", "{run}", "--epochs", "10", "--quiet"],
         setup=_checkpoint_not_finite("optimizer.", math.inf)),
    Case("compare-evaluation-nan", r"evaluation\.json holds NaN in its field examples, a number vaekit never "
         r"writes .*run `vaekit evaluate .*run` again", ["compare", "{run}", "{run}"],
         setup=_evaluation_not_finite),
    Case("report-evaluation-nan", r"evaluation\.json holds NaN in its field examples.*run `vaekit evaluate",
         ["report", "{run}", "--k", "2"], setup=_evaluation_not_finite),
]
