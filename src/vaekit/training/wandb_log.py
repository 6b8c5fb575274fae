"""A Weights & Biases run beside TensorBoard and MLflow: the config, and every metrics.csv column per epoch.

    log = WandbLog.start(config, run_dir)       # ConfigError naming the pip command when wandb is missing
    log.epoch(row)                              # step = the epoch
    log.close("FINISHED")

The run's files go in RUN/wandb (in offline mode, everything: `wandb sync RUN/wandb/offline-run-*` uploads it
later). Its id is kept in the checkpoint, so a resumed run goes on logging into the same W&B run. It never touches
W&B's global run (wandb.run): it holds the Run object that wandb.init returns, finished at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vaekit.config import Config
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.training.mlflow_log import flatten

INSTALL = "pip install 'vaekit[wandb]'"


class WandbLog:
    def __init__(self, run: Any) -> None:
        self.run = run

    @classmethod
    def start(cls, config: Config, run_dir: Path, state: dict[str, Any] | None = None) -> WandbLog:
        """A new W&B run in RUN/wandb, or (state from the checkpoint) the resumed run's own one."""
        try:
            import wandb
        except ImportError:
            raise ConfigError(f"--wandb needs the wandb package; install it with {INSTALL}") from None
        mode = config.train.wandb_mode
        folder = run_dir / "wandb"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            run = wandb.init(project=config.train.wandb_project, name=run_dir.name, dir=str(run_dir),
                             config=flatten(config.to_dict()), id=state["run_id"] if state else None,
                             resume="allow" if state else None, reinit="create_new",
                             mode=None if mode == "auto" else mode,
                             tags=["vaekit", str(config.model.likelihood), str(config.model.network)],
                             settings=wandb.Settings(silent=True, console="off"))
        except Exception as error:  # W&B's errors differ by mode (no login online, a bad project name)
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            raise VaekitError(f"Weights & Biases did not start the run ({first}); log in with `wandb login`, or "
                              "train with --wandb-mode offline") from None
        run.summary["run_dir"] = str(run_dir.resolve())
        return cls(run)

    def state_dict(self) -> dict[str, Any]:
        return {"run_id": self.run.id}

    def epoch(self, row: dict[str, Any]) -> None:
        """Every number of the epoch's metrics row, at step = epoch."""
        self.run.log({key: float(value) for key, value in row.items()
                      if key != "epoch" and isinstance(value, (int, float))}, step=int(row["epoch"]))

    def tag(self, key: str, value: str) -> None:
        self.run.summary[key] = value

    def close(self, status: str = "FINISHED") -> None:
        """FINISHED, KILLED (interrupted: it can be resumed) or FAILED, as W&B's exit code."""
        self.run.finish(exit_code=0 if status == "FINISHED" else 1)
