"""Fingerprints of what a run depends on besides its weights, kept in config.json's "fingerprints" and checked when
the run is opened: a file that no longer matches is refused in one line naming it, instead of being used (a
vocabulary with two tokens swapped would turn every reconstruction into the wrong words).

    "fingerprints": {"data": "sha256:...",              # config.json's own "data" section
                     "vocabulary.json": "sha256:...",   # a data kind's run files: a text's tokens in id order
                     "prior": "sha256:...",             # fit-prior: the fitted prior's weights in model.safetensors
                     "code-prior.json": "sha256:...",   # fit-prior: its report
                     "latent-prior.safetensors": ...}   # fit-prior of continuous codes (runs/latent_prior.py)

    record["fingerprints"] = run_fingerprints(run_dir, data_info)   # training, as it writes config.json
    check_run_files(run_dir, record)                                # every opening of the run
    check_prior(run_dir, record, model)                             # loading its final weights
    record_fitted_prior(run_dir, model, report)                     # fit-prior, after it saved both

A run written before fingerprints has none and is opened as before; a fingerprint that is absent is not checked.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch

from vaekit.core.errors import VaekitError
from vaekit.core.io import finite_or_null, write_json
from vaekit.core.json_file import read_json
from vaekit.data.common.fingerprint import tensors_sha256
from vaekit.data.kinds import data_kind
from vaekit.runs.files import CONFIG_FILE, LATENT_PRIOR, LATENT_PRIOR_REPORT, MODEL_FILE, PRIOR_REPORT

FINGERPRINTS = "fingerprints"
DATA = "data"
PRIOR = "prior"


def json_sha256(value: Any) -> str:
    """sha256 of a JSON value as config.json stores it (NaN as null, keys as text, sorted), so that what was
    written and what is read back hash alike."""
    stored = json.loads(json.dumps(finite_or_null(value), allow_nan=False))  # a tuple a list, a key 1 as "1"
    text = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


def _kind_files(run_dir: Path, data_info: dict[str, Any]) -> dict[str, str]:
    """{file name: fingerprint} of the files the run's data kind keeps in the run (a text's vocabulary.json)."""
    contents = data_kind(data_info["kind"]).run_file_contents(run_dir, data_info)
    return {name: json_sha256(value) for name, value in contents.items()}


def run_fingerprints(run_dir: Path, data_info: dict[str, Any]) -> dict[str, str]:
    """The fingerprints training records: the data description and the data kind's run files (written first)."""
    return {DATA: json_sha256(data_info), **_kind_files(Path(run_dir), data_info)}


def _refuse(path: Path, remedy: str) -> VaekitError:
    return VaekitError(f"{path} does not match the run's fingerprint in {CONFIG_FILE}; {remedy}")


def recorded(record: dict[str, Any], path: Path) -> dict[str, str]:
    """config.json's fingerprints ({} for a run from before them), checked to be a mapping of names to text."""
    found = record.get(FINGERPRINTS, {})
    if not isinstance(found, dict) or not all(isinstance(key, str) and isinstance(value, str)
                                              for key, value in found.items()):
        raise VaekitError(f"{path} is corrupt (its fingerprints are not a mapping of names to sha256 texts)")
    return found


def check_run_files(run_dir: str | Path, record: dict[str, Any]) -> None:
    """Refuses, naming the file, a data description or data kind's run file (a text's vocabulary.json) that differs
    from the one the run recorded. (The fitted prior's are checked with the weights: check_prior.)"""
    run_dir = Path(run_dir)
    found = recorded(record, run_dir / CONFIG_FILE)
    if DATA in found and found[DATA] != json_sha256(record["data"]):
        raise _refuse(run_dir / CONFIG_FILE, "its \"data\" section was edited: restore the run's own config.json")
    fitted = (PRIOR, PRIOR_REPORT, LATENT_PRIOR, LATENT_PRIOR_REPORT)  # checked with the weights they go with
    wanted = {name: value for name, value in found.items() if name != DATA and name not in fitted}
    if not wanted:
        return
    kind_files = _kind_files(run_dir, record["data"])
    for name, value in wanted.items():
        if kind_files.get(name) != value:
            raise _refuse(run_dir / name, f"restore the run's own {name}")


def _read_json(path: Path) -> Any:
    try:
        return read_json(path)
    except OSError as error:
        raise VaekitError(f"{path} is corrupt ({type(error).__name__}: {error})") from None


def prior_sha256(model: torch.nn.Module) -> str:
    """The fingerprint of the model's prior: its weights and buffers (a fitted flag among them), in name order."""
    state = model.prior_module.state_dict()
    return f"sha256:{tensors_sha256(*(state[name] for name in sorted(state)))}"


def check_prior(run_dir: str | Path, record: dict[str, Any], model: torch.nn.Module) -> None:
    """Refuses final weights whose prior is not the one fit-prior fitted (model.safetensors replaced since), and a
    fit-prior report that is not that fit's. fit-prior itself loads without this check: it replaces both."""
    run_dir = Path(run_dir)
    found = recorded(record, run_dir / CONFIG_FILE)
    again = f"or fit the prior again (vaekit fit-prior {run_dir})"
    if PRIOR in found and prior_sha256(model) != found[PRIOR]:
        raise _refuse(run_dir / MODEL_FILE, f"its prior is not the one vaekit fit-prior fitted: restore the run's "
                                            f"own {MODEL_FILE}, {again}")
    if PRIOR_REPORT in found:
        path = run_dir / PRIOR_REPORT
        if not path.is_file():
            raise VaekitError(f"{path} is missing, though vaekit fit-prior wrote it and {CONFIG_FILE} records it; "
                              f"restore it, {again}")
        if json_sha256(_read_json(path)) != found[PRIOR_REPORT]:
            raise _refuse(path, f"restore the run's own {PRIOR_REPORT}, {again}")


def record_fitted_prior(run_dir: str | Path, model: torch.nn.Module, report: dict[str, Any]) -> None:
    """Adds the fitted prior's and its report's fingerprints to config.json (fit-prior, holding the run's lock,
    after writing model.safetensors and the report)."""
    path = Path(run_dir) / CONFIG_FILE
    record = _read_json(path)
    found = recorded(record, path)
    record[FINGERPRINTS] = {**found, PRIOR: prior_sha256(model), PRIOR_REPORT: json_sha256(report)}
    write_json(path, record)


def forget_fitted_prior(run_dir: str | Path) -> bool:
    """Removes the fit-prior report of a run whose prior training is about to replace (resume starts from the
    checkpoint, whose prior is the unfitted one); True when there was one."""
    path = Path(run_dir) / PRIOR_REPORT
    if not path.is_file():
        return False
    path.unlink()
    return True
