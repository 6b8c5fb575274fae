"""MLflow logging against a real local MLflow store: read the run back with MLflow's own client and compare it
with the run directory's metrics.csv and config.json. The missing-package error needs no MLflow."""

from __future__ import annotations

import sys

import pytest

import vaekit
from vaekit.core.errors import ConfigError
from vaekit.training import loop
from vaekit.training.checkpoint import load_checkpoint
from vaekit.training.metrics_log import read_metrics
from vaekit.training.mlflow_log import flatten, tracking_uri


@pytest.fixture(autouse=True)
def no_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])


def _config(store, **train) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 3, "hidden": [32]},
                                    "train": {"epochs": 2, "batch_size": 200, "mlflow": True,
                                              "mlflow_uri": str(store), **train}})


def test_metrics_and_params_read_back_from_mlflow_equal_the_run_directory(tmp_path) -> None:
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    store = tmp_path / "store"
    run = vaekit.train(_config(store, epochs=3), tmp_path / "run", progress=False)
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("vaekit")
    (found,) = client.search_runs([experiment.experiment_id])
    assert found.info.status == "FINISHED" and found.info.run_name == "run"
    assert found.data.tags["vaekit.run_dir"] == str((tmp_path / "run").resolve())
    assert found.data.params["train.lr"] == "0.001" and found.data.params["model.hidden"] == "32"
    assert found.data.params == flatten(run.config.to_dict()) | {"run_dir": str((tmp_path / "run").resolve())}
    rows = read_metrics(run.path / "metrics.csv")
    for column in ("val_neg_elbo", "train_loss", "val_active_units", "lr", "beta", "best_epoch", "step"):
        history = sorted(client.get_metric_history(found.info.run_id, column), key=lambda m: m.step)
        assert [m.step for m in history] == [1, 2, 3], column
        assert [m.value for m in history] == [float(row[column]) for row in rows], column  # exactly equal
    assert found.data.tags["vaekit.best_epoch"] == str(run.best_epoch)


def test_a_resumed_run_goes_on_logging_into_the_same_mlflow_run(tmp_path, monkeypatch) -> None:
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    store = tmp_path / "store"
    vaekit.train(_config(store), tmp_path / "run", progress=False)
    monkeypatch.chdir(tmp_path / "store")  # the store is recorded as an absolute URI: any directory will do
    resumed = vaekit.resume(tmp_path / "run", epochs=3, progress=False)
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    (found,) = client.search_runs([client.get_experiment_by_name("vaekit").experiment_id])
    history = client.get_metric_history(found.info.run_id, "val_neg_elbo")
    assert sorted(m.step for m in history) == [1, 2, 3]
    assert sorted(history, key=lambda m: m.step)[-1].value == resumed.metrics[-1]["val_neg_elbo"]
    assert found.info.status == "FINISHED"
    saved = load_checkpoint(tmp_path / "run" / "checkpoint.safetensors").controls["mlflow"]
    assert saved == {"uri": f"sqlite:///{(store / 'mlflow.db').resolve()}", "run_id": found.info.run_id}


def test_the_store_location(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri("") == f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}"
    assert tracking_uri("logs") == f"sqlite:///{tmp_path.resolve() / 'logs' / 'mlflow.db'}"
    assert tracking_uri("http://localhost:5000") == "http://localhost:5000"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////srv/mlflow.db")
    assert tracking_uri("") == "sqlite:////srv/mlflow.db"
    assert flatten({"a": {"b": [1, 2], "c": None}}) == {"a.b": "1,2", "a.c": "None"}


def test_without_mlflow_installed_one_line_names_the_pip_command(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # `import mlflow` now raises ImportError
    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(ConfigError, match=r"^--mlflow needs the mlflow package; install it with "
                                          r"pip install 'vaekit\[mlflow\]'$"):
        vaekit.train(_config(tmp_path / "store"), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists() and not (tmp_path / "store").exists()


def test_server_calls_wait_briefly_but_a_users_own_setting_is_kept(monkeypatch) -> None:
    import os

    from vaekit.training.mlflow_log import PATIENCE, bounded_waits

    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "5")
    with bounded_waits():
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == PATIENCE["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "10"
        assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5"
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ and os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5"
