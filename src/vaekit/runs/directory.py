"""A run directory's files: config.json (every setting, the data, the versions) and model.safetensors.

    model = vaekit.load("runs/demo")            # on the CPU
    model = vaekit.load("runs/demo", "cuda")    # or any device
    model = vaekit.load("runs/demo", weights="best")   # the best validation epoch's weights
"""

from __future__ import annotations

import contextlib
import json
import math
import platform
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from vaekit.config import Config
from vaekit.core import system
from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path, is_temporary, write_json
from vaekit.core.json_file import read_json
from vaekit.core.paths import unusable
from vaekit.data.dataset import MAX_CLASSES
from vaekit.data.kinds import data_kind, kind_names
from vaekit.model.build import build_model
from vaekit.model.size import FLOAT_BYTES, GB, parameter_count
from vaekit.model.vae import VAE
from vaekit.parts import check_config
from vaekit.runs.files import CONFIG_FILE, MODEL_FILE
from vaekit.runs.fingerprints import FINGERPRINTS, check_run_files, run_fingerprints

BEST_MODEL_FILE = "model-best.safetensors"  # the weights of the epoch with the lowest validation -ELBO
WEIGHTS = {"final": MODEL_FILE, "best": BEST_MODEL_FILE}
CHECKPOINT_FILE = "checkpoint.safetensors"
METRICS_FILE = "metrics.csv"


def versions() -> dict[str, str]:
    """The versions that produced a run, recorded so a result can be traced and repeated."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("vaekit", "torch", "numpy", "safetensors"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def check_fresh(run_dir: Path) -> None:
    """A new run goes into a folder that holds nothing (but lock files): never over a run, never over a person's
    own files, which train would replace (metrics.csv, samples.png, ...)."""
    names = sorted(item.name for item in run_dir.iterdir()
                   if not item.name.endswith(".lock") and not is_temporary(item.name))
    if {CONFIG_FILE, MODEL_FILE, CHECKPOINT_FILE} & set(names):
        if CHECKPOINT_FILE not in names:  # killed (kill -9, power loss) before its first checkpoint: nothing to resume
            raise VaekitError(f"{run_dir} holds a run that stopped before its first checkpoint, so it cannot be "
                              f"resumed; delete {run_dir} and train again, or choose another --out")
        raise VaekitError(f"{run_dir} already holds a run; use --resume {run_dir} to continue it or another --out")
    if names:
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
        raise VaekitError(f"--out {run_dir} holds files vaekit did not write ({shown}); choose a new or empty "
                          "folder for --out")


def remove_run_files(run_dir: Path) -> None:
    """Removes what a new run wrote into its (formerly empty) folder: a run that failed before its first checkpoint
    leaves nothing behind to resume or to refuse the next try. Lock files stay to their holder."""
    for item in run_dir.iterdir():
        if item.name.endswith(".lock") or is_temporary(item.name):
            continue
        with contextlib.suppress(OSError):
            if item.is_dir():
                shutil.rmtree(item)
            else:
                item.unlink()


def write_run_config(run_dir: Path, config: Config, data_info: dict[str, Any],
                     trained_with: dict[str, Any] | None = None) -> None:
    """config.json: every setting, the data's description, the versions, and how the run was last trained (the
    process count, the device and the arithmetic it ran in, which may differ from what was asked: fp16 on a CPU
    trains in fp32)."""
    record = {"config": config.to_dict(), "data": data_info, "versions": versions()}
    if trained_with is not None:
        record["trained_with"] = trained_with
    # what the run depends on besides its weights, checked whenever it is opened (runs/fingerprints.py); the data
    # kind's own files (a text's vocabulary.json) are written before this
    record[FINGERPRINTS] = run_fingerprints(run_dir, data_info)
    write_json(run_dir / CONFIG_FILE, record)


def read_run_config(run_dir: str | Path) -> tuple[Config, dict[str, Any]]:
    """(config, data description) of a run directory, with a clear error when it is not one."""
    _, config, data = read_run_record(run_dir)
    return config, data


def read_run_record(run_dir: str | Path) -> tuple[dict[str, Any], Config, dict[str, Any]]:
    """config.json as saved, its config checked and its data description ("data"), with a clear error when
    `run_dir` is not a run directory or the file is damaged."""
    path = Path(run_dir) / CONFIG_FILE
    if not Path(run_dir).is_dir():
        raise VaekitError(f"run directory {unusable(run_dir, 'folder')}")
    if not path.is_file():
        raise VaekitError(f"{run_dir} is not a vaekit run directory: it has no {CONFIG_FILE}")
    saved = read_json(path)  # bounded in size and nesting before it is parsed
    try:
        data = saved["data"]
        for key in ("source", "shape", "kind"):
            data[key]  # noqa: B018  (every run records these; a KeyError means a damaged file)
        check_data_info(data)
        config = check_config(Config.from_dict(saved["config"]), unread_model_settings=False)
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise VaekitError(f"{path} is corrupt ({type(error).__name__}: {error})") from None
    check_run_files(run_dir, saved)  # a vocabulary or data description that is not the run's own: refused
    return saved, config, data


def save_weights(model: VAE, path: Path) -> None:
    tensors = {name: value.detach().cpu().contiguous() for name, value in model.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp))


def check_weights(weights: str) -> None:
    if not isinstance(weights, str) or weights not in WEIGHTS:
        raise VaekitError(f"weights must be one of {', '.join(WEIGHTS)}, got {weights!r}")


def load_weights(run_dir: str | Path, config: Config, data: dict[str, Any], device: str | torch.device = "cpu",
                 weights: str = "final") -> VAE:
    """The model that `config` and the data description `data` (config.json's "data") build, with the weights
    of `run_dir` ("final": model.safetensors, "best": model-best.safetensors), in eval mode, on `device`."""
    check_weights(weights)
    name = WEIGHTS[weights]
    weights_path = Path(run_dir) / name
    if not weights_path.is_file():
        if weights == "best":
            raise VaekitError(f"run directory {run_dir} has no {name} (runs trained before vaekit kept the best "
                              "epoch have none); use weights=\"final\"")
        raise VaekitError(f"run directory {run_dir} has no model in it ({MODEL_FILE} is missing)")
    schema = (data["column_types"], data["column_values"]) if data.get("column_types") else None
    shape, kind, num_classes = tuple(data["shape"]), data["kind"], data.get("num_classes")
    vocabulary_size = data.get("vocabulary_size")  # text: token ids 0..V-1
    parameters = parameter_count(config.model, shape, kind, num_classes, schema, vocabulary_size)
    have = system.host_memory()
    if parameters is not None and have is not None and parameters * FLOAT_BYTES > have:
        raise VaekitError(f"{Path(run_dir) / CONFIG_FILE} describes a model of {parameters:,} parameters "
                          f"({parameters * FLOAT_BYTES / GB:.1f} GB), more than this machine's memory; is it "
                          "damaged?")
    model = build_model(config.model, shape, kind, num_classes, schema, vocabulary_size)
    try:
        tensors = load_file(str(weights_path))
        model.load_state_dict(tensors)
    except (SafetensorError, OSError, RuntimeError) as error:
        first = str(error).splitlines()[0]
        raise VaekitError(f"{weights_path} is corrupt or does not match config.json ({first})") from None
    for tensor_name, tensor in tensors.items():
        # NaN weights make every output NaN: all-NaN pictures, and evaluation failing deep in linear algebra
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise VaekitError(f"{weights_path} holds NaN or infinite weights (in {tensor_name}): the model is "
                              "unusable; train it again, or resume from a checkpoint saved before it diverged")
    return model.to(device).eval()


def check_data_info(data: dict[str, Any]) -> None:
    """A ValueError naming the first field of config.json's "data" that no run could have written: the
    example shape, the data kind, the class count and the table's column lists."""
    shape, kind = data["shape"], data["kind"]
    if kind not in kind_names():
        raise ValueError(f"data kind {kind!r} is not one of {', '.join(kind_names())}")
    expected = data_kind(kind)
    if not isinstance(shape, list) or len(shape) != expected.example_ndim or not all(
            isinstance(size, int) and not isinstance(size, bool) and size >= 1 for size in shape):
        raise ValueError(f"data shape {shape!r} is not a list of positive integers, {expected.shape_text} for "
                         f"{kind} data")
    classes = data.get("num_classes")
    if classes is not None and (not isinstance(classes, int) or isinstance(classes, bool)
                                or not 1 <= classes <= MAX_CLASSES):
        raise ValueError(f"num_classes {classes!r} is not a count of classes (1 to {MAX_CLASSES:,})")
    for key in ("columns", "column_types", "column_values", "class_names"):
        if data.get(key) is not None and not isinstance(data[key], list):
            raise ValueError(f"{key} {data[key]!r} is not a list")
    ranges = data.get("column_ranges")  # [low, high] of each column of rows of numbers (training/run_files.py)
    if ranges is not None and (kind != "vector" or not isinstance(ranges, list) or len(ranges) != shape[0] or not all(
            isinstance(pair, list) and len(pair) == 2 and all(_finite_number(v) for v in pair) and pair[0] <= pair[1]
            for pair in ranges)):
        raise ValueError(f"column_ranges {str(ranges)[:60]} is not a [low, high] pair of numbers for each column of "
                         "rows of numbers")
    if data.get("column_types") is not None:
        for key in ("columns", "column_types", "column_values"):
            if not isinstance(data.get(key), list) or len(data[key]) != shape[0]:
                raise ValueError(f"{key} does not list the table's {shape[0]} columns")


def _finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
