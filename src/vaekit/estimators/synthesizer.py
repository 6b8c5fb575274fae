"""Synthetic copies of a table, in the style users of SDV know: fit a DataFrame, sample DataFrames.

    from vaekit import TableSynthesizer
    synthesizer = TableSynthesizer(epochs=100).fit(frame)            # metadata detected (or metadata=...)
    synthetic = synthesizer.sample(1000)                             # the input's columns, order and dtypes
    asked = synthesizer.sample(50, conditions={"cut": "Ideal"})      # rows of p(rest | cut = Ideal)
    synthesizer.last_sample_.effective_samples                       # the draws behind each conditioned row
    synthesizer.save("diamonds-synth"); TableSynthesizer.load("diamonds-synth").sample(10)

`constraints` (a list of vaekit.tasks.synthesis.constraints.Rule, or a constraints JSON file) are kept in every
sampled row. Other keyword settings are those of vaekit's config sections (latent_dim, hidden, beta, lr, ...).
The defaults latent_dim=8 and beta=0.5 were chosen on tables the benchmark does not report (Ecdat's Mroz,
Computers and Fair): bench/synthetic_defaults.py measures them against latent_dim=20, beta=1 (BENCHMARKS.md,
"TableSynthesizer's defaults"); bench/synthetic_tables.py reports other tables.
The model is a run directory (`out_dir`, or a temporary one until save); `vaekit sample DIR` reads it too.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaekit.config import Config
from vaekit.config.fields import check_seed
from vaekit.core.errors import VaekitError
from vaekit.data.common.options import LoadOptions
from vaekit.data.table.coded import coded_dataset, table_metadata
from vaekit.data.table.encoding import decode_table
from vaekit.data.table.metadata import TableMetadata, metadata_of, read_metadata
from vaekit.estimators.fitting import place_settings
from vaekit.runs.run import Run
from vaekit.tasks.synthesis.calibration import Calibration, read_calibration
from vaekit.tasks.synthesis.constraints import Rule, check_training, read_constraints
from vaekit.tasks.synthesis.sampling import Synthesis, synthesize
from vaekit.training.loop import train

if TYPE_CHECKING:
    import pandas as pd


class TableSynthesizer:
    """fit(DataFrame) / sample(n, conditions) -> DataFrame / save / load; see the module docstring."""

    def __init__(self, epochs: int | str = "auto", out_dir: str | Path | None = None, progress: bool = False,
                 seed: int = 0, latent_dim: int = 8, beta: float = 0.5, **settings: Any) -> None:
        check_seed("seed", seed)
        self.epochs, self.out_dir, self.progress, self.seed = epochs, out_dir, progress, int(seed)
        self.settings = {"latent_dim": latent_dim, "beta": beta, **settings}
        self.run_: Run | None = None
        self.metadata_: TableMetadata | None = None
        self.rules_: list[Rule] = []
        self.last_sample_: Synthesis | None = None
        self.calibration_: Calibration | None = None  # the run's synthesis.json, read on the first sample
        self.data_: Any = None  # the coded table fitted (None after load: read again from the run's source)

    def _config(self) -> Config:
        sections: dict[str, dict[str, Any]] = {"train": {"epochs": self.epochs, "seed": self.seed},
                                               "data": {"source": "table", "metadata": "auto"}}
        place_settings(sections, self.settings, "TableSynthesizer")
        return Config.from_dict(sections)

    def fit(self, frame: pd.DataFrame, metadata: TableMetadata | dict | str | Path | None = None,
            constraints: list[Rule] | str | Path | None = None) -> TableSynthesizer:
        """Learn the table. `metadata`: detected when None; a TableMetadata, its JSON form, or a JSON file of
        declared columns (the rest detected). `constraints`: rules every sampled row keeps."""
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise VaekitError(f"TableSynthesizer.fit takes a pandas DataFrame, got {type(frame).__name__}")
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        if isinstance(metadata, (str, Path)):
            metadata = read_metadata(Path(metadata), frame)
        elif isinstance(metadata, dict):
            metadata = metadata_of(metadata, "the metadata given")
        spec = table_metadata(frame, metadata)
        rules = read_constraints(Path(constraints)) if isinstance(constraints, (str, Path)) else list(constraints or [])
        if rules:
            check_training(rules, frame)
        config = self._config()
        data = coded_dataset(frame, LoadOptions(test_fraction=config.data.test_fraction, seed=config.data.split_seed,
                                                metadata="auto"), "table", "the DataFrame", metadata=spec)
        if self.out_dir is None:  # a folder that lives as long as this object (save copies it)
            self._folder = tempfile.TemporaryDirectory(prefix="vaekit-synth-")
        folder = Path(self.out_dir) if self.out_dir is not None else Path(self._folder.name) / "run"
        self.run_ = train(config, folder, self.progress, data=data, pictures=False)
        self.calibration_ = None
        self.run_.model.cpu().eval()
        self.metadata_, self.rules_, self.data_ = spec, rules, data
        return self

    def _fitted(self) -> Run:
        if self.run_ is None:
            raise VaekitError("this TableSynthesizer is not fitted yet; call fit(frame) first")
        return self.run_

    def sample(self, n: int | None = None, conditions: pd.DataFrame | dict | None = None,
               seed: int | None = None) -> pd.DataFrame:
        """`n` synthetic rows; with `conditions` (a dict: the same for n rows; a DataFrame: one row each, blank
        cells free) rows of p(rest | conditions). What stood behind them is in `last_sample_`."""
        import pandas as pd

        run = self._fitted()
        if isinstance(conditions, dict):
            if n is None:
                raise VaekitError("sample(n, conditions={...}) needs n, the rows wanted under the conditions")
            conditions = pd.DataFrame([conditions] * n)
        if conditions is None and n is None:
            raise VaekitError("sample needs n, the number of rows (or a DataFrame of conditions)")
        if seed is not None:
            check_seed("seed", seed)
        seed = self.seed if seed is None else int(seed)
        if self.calibration_ is None:
            self.calibration_ = read_calibration(run.path, self.metadata_, run.model)
        self.last_sample_ = synthesize(run.model, self.metadata_, n or 0, given=conditions, rules=self.rules_,
                                       seed=seed, calibration=self.calibration_)
        return self.last_sample_.frame

    def real_rows(self, split: str = "train") -> pd.DataFrame:
        """The fitted table's rows of `split` ("train" or "test": the held-out rows early stopping watched)."""
        from vaekit.tasks.outputs import select_data

        run = self._fitted()
        if self.data_ is not None:
            x = self.data_.train_x if split == "train" else self.data_.test_x
        else:
            x = select_data(run, split=split).x
        return decode_table(x.numpy().astype("float64"), self.metadata_)

    def save(self, path: str | Path) -> Path:
        """Copy the run directory (weights, config.json, metadata.json) to `path`, which must not exist."""
        run, target = self._fitted(), Path(path)
        if target.exists():
            raise VaekitError(f"{target} exists; save to a new folder")
        # rules are code, not saved: keep them in a constraints file and give it to load(..., constraints=)
        shutil.copytree(run.path, target, ignore=shutil.ignore_patterns("vaekit.lock", "checkpoint*"))
        return target

    @classmethod
    def load(cls, path: str | Path, constraints: list[Rule] | str | Path | None = None) -> TableSynthesizer:
        """A synthesizer from a saved folder (or any run trained with --metadata)."""
        from vaekit.data.table.kind import run_metadata

        run = Run.open(str(path))
        if not run.data_info or run.data_info.get("kind") != "table":
            raise VaekitError(f"{path} is not a run of a table read with its metadata (vaekit train --metadata auto)")
        run.load_model("cpu")
        self = cls(epochs=run.config.train.epochs, seed=run.config.train.seed)
        self.run_, self.metadata_ = run, run_metadata({**run.data_info, "run_dir": run.path})
        self.rules_ = read_constraints(Path(constraints)) if isinstance(constraints, (str, Path)) else \
            list(constraints or [])
        return self
