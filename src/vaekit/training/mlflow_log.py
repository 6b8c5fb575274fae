"""An MLflow run beside TensorBoard: the config as params, every metrics.csv column as a metric per epoch.

    log = MlflowLog.start(config, run_dir)          # ConfigError naming the pip command when mlflow is missing
    log.epoch(row)                                   # step = the epoch
    log.close("FINISHED")

The store is train.mlflow_uri: a tracking URI, or a folder that gets its own SQLite store (FOLDER/mlflow.db);
empty means $MLFLOW_TRACKING_URI, else ./mlflow.db (MLflow 3's own default, made absolute so that a resumed run
logs to the same store from any directory). It uses an MlflowClient of its own, never MLflow's global active run,
so it leaves the caller's MLflow state alone. A resumed run goes on logging into the same MLflow run.

A server (an http: URI) that does not answer is given up on after about WAIT_SECONDS, not MLflow's own 120 s a
try and seven tries with growing pauses (250 s in silence for a refused connection): each call to the store runs
with shorter MLflow settings unless the user set their own, and a line says what is being waited for.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vaekit.config import MLFLOW_SCHEMES, Config
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.core.progress import say_stage

INSTALL = "pip install 'vaekit[mlflow]'"
# MLflow's HTTP settings while vaekit talks to a server: 10 s a request, two retries 1 s and 2 s apart
PATIENCE = {"MLFLOW_HTTP_REQUEST_TIMEOUT": "10", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
            "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1"}
WAIT_SECONDS = 35


@contextlib.contextmanager
def bounded_waits() -> Iterator[None]:
    """MLflow's HTTP calls inside give up after about WAIT_SECONDS; a variable the user set is theirs and kept."""
    added = {name: value for name, value in PATIENCE.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def tracking_uri(setting: str) -> str:
    """The absolute tracking URI that a train.mlflow_uri setting stands for."""
    value = setting or os.environ.get("MLFLOW_TRACKING_URI", "")
    if not value:
        return f"sqlite:///{Path('mlflow.db').resolve()}"
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme in MLFLOW_SCHEMES:
        return value
    folder = Path(value).expanduser().resolve()  # a folder: a local SQLite store inside it
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"mlflow_uri {value} is a file; give a folder (it gets mlflow.db) or a tracking URI")
    return f"sqlite:///{folder / 'mlflow.db'}"


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"train": {"lr": 0.001}} -> {"train.lr": "0.001"}: MLflow params are flat strings."""
    flat: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return flat


class MlflowLog:
    def __init__(self, client: Any, run_id: str, uri: str) -> None:
        self.client, self.run_id, self.uri = client, run_id, uri

    @classmethod
    def start(cls, config: Config, run_dir: Path, state: dict[str, Any] | None = None) -> MlflowLog:
        """A new MLflow run, or (state from the checkpoint) the resumed run's own one, marked running again."""
        uri = state["uri"] if state else tracking_uri(config.train.mlflow_uri)
        try:
            from mlflow.tracking import MlflowClient
        except ImportError:
            raise ConfigError(f"--mlflow needs the mlflow package; install it with {INSTALL}") from None
        if uri.split(":", 1)[0].lower() in ("http", "https", "databricks"):
            say_stage(f"mlflow: connecting to the tracking server {uri} (giving up after about {WAIT_SECONDS} s)")
        try:
            if uri.startswith("sqlite:///"):  # SQLite creates the database file, not the folder it goes in
                Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            client = _Patient(MlflowClient(tracking_uri=uri))
            if state:
                client.update_run(state["run_id"], status="RUNNING")
                return cls(client, state["run_id"], uri)
            name = config.train.mlflow_experiment
            found = client.get_experiment_by_name(name)
            experiment = found.experiment_id if found is not None else client.create_experiment(name)
            location = str(run_dir.resolve())
            run = client.create_run(experiment, run_name=run_dir.name, tags={"vaekit.run_dir": location})
            log = cls(client, run.info.run_id, uri)
            log._batch(params=[("run_dir", location), *flatten(config.to_dict()).items()])
            return log
        except VaekitError:
            raise
        except Exception as error:  # MLflow's errors differ by store (a bad URI, no server, a locked file)
            raise VaekitError(f"MLflow store {uri} did not accept the run ({_first_line(error)}); check "
                              "--mlflow-uri") from None

    def state_dict(self) -> dict[str, Any]:
        return {"uri": self.uri, "run_id": self.run_id}

    def epoch(self, row: dict[str, Any]) -> None:
        """Every number of the epoch's metrics row, at step = epoch."""
        timestamp = int(time.time() * 1000)
        self._batch(metrics=[(key, float(value), timestamp, int(row["epoch"])) for key, value in row.items()
                             if key != "epoch" and isinstance(value, (int, float))])

    def tag(self, key: str, value: str) -> None:
        self.client.set_tag(self.run_id, key, value)

    def close(self, status: str = "FINISHED") -> None:
        """FINISHED, KILLED (interrupted: it can be resumed) or FAILED."""
        self.client.set_terminated(self.run_id, status=status)

    def _batch(self, metrics: Sequence[tuple[str, float, int, int]] = (),
               params: Sequence[tuple[str, str]] = ()) -> None:
        from mlflow.entities import Metric, Param

        # MLflow takes at most 1000 metrics and 100 params per call
        metric_list = [Metric(key, value, timestamp, step) for key, value, timestamp, step in metrics]
        param_list = [Param(key, value) for key, value in params]
        for start in range(0, max(len(metric_list), len(param_list)), 100):
            self.client.log_batch(self.run_id, metrics=metric_list[start:start + 100],
                                  params=param_list[start:start + 100])


class _Patient:
    """An MlflowClient whose every call runs under bounded_waits."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with bounded_waits():
                return method(*args, **kwargs)
        return call


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
