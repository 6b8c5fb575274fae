"""Tables read with their column metadata (data.metadata), as a kind of data: a run keeps metadata.json, and every
batch of examples is written back through it, so a sampled table has the input's columns, order and dtypes.

    kind = data_kind("table")
    kind.save(Path("synthetic.csv"), samples, info)   # info: config.json's "data" with "run_dir" added
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from vaekit.core.errors import VaekitError
from vaekit.core.io import write_json
from vaekit.core.json_file import read_json
from vaekit.core.registry import DATA_KINDS
from vaekit.data.kinds import VectorKind
from vaekit.data.table.encoding import decode_table
from vaekit.data.table.metadata import METADATA_FILE, TableMetadata, metadata_of
from vaekit.data.writers import write_frame


@DATA_KINDS.register("table")
class TableKind(VectorKind):
    """Rows of a table modelled column by column as its metadata says: outputs are tables like the input."""

    name = "table"
    pictured = False
    synthesized = True
    # categorical codes, null indicators and numbers side by side: a squared difference of them means nothing
    values_are_measures = False

    def likelihood(self, column_types: list[str] | None = None, unit_interval: bool = False) -> str:
        return "mixed"  # every column its own distribution, numbers included (their mixtures)

    def save(self, path: Path, batch: torch.Tensor, info: dict[str, Any], ncol: int = 8,
             inputs: torch.Tensor | None = None) -> Path:
        return write_frame(Path(path), self.frame(batch, info))

    def frame(self, batch: torch.Tensor, info: dict[str, Any]) -> Any:
        return decode_table(batch.detach().cpu().numpy(), run_metadata(info))

    def run_info(self, data: Any) -> dict[str, Any]:
        return {"metadata": METADATA_FILE}

    def write_run_files(self, run_dir: Path, data: Any) -> None:
        write_json(Path(run_dir) / METADATA_FILE, data.table_metadata)

    def run_file_contents(self, run_dir: Path, info: dict[str, Any]) -> dict[str, Any]:
        return {info.get("metadata", METADATA_FILE): run_metadata({**info, "run_dir": run_dir}).as_json()}


def run_metadata(info: dict[str, Any]) -> TableMetadata:
    """The metadata of a run's table (info: config.json's "data" section with "run_dir" added)."""
    if info.get("run_dir") is None:
        raise VaekitError("writing a table needs the run's metadata.json: give the run directory as info['run_dir']")
    path = Path(info["run_dir"]) / info.get("metadata", METADATA_FILE)
    return metadata_of(read_json(path), str(path))
