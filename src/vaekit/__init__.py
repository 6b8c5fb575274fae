"""vaekit: Variational Autoencoders as compositions of parts, with a command line.

    import vaekit
    run = vaekit.train(vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 2}}))
    model = vaekit.load(run.path)
    q = model.encode(x)                  # q(z|x), a torch Distribution
    x_new = model.sample(16)
    vaekit.score(model, x, kind="iw")    # per-example anomaly scores, higher = more anomalous
    vaekit.fit_prior(model, x, method="gmm")   # a prior fitted to the codes: model.sample draws from it
    vaekit.tune({"data": {"source": "digits"}}, "runs/tuned", trials=20)   # settings chosen on validation data
    vaekit.__version__                   # "0.x.y", the installed version
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what the names below are, for type checkers and editors; at run time they load on first use
    from vaekit.config import Config, DataConfig, ModelConfig, ObjectiveConfig, TrainConfig, load_config_file
    from vaekit.core.errors import VaekitError
    from vaekit.data import Dataset, load_dataset
    from vaekit.estimators.anomaly_detector import VAEAnomalyDetector
    from vaekit.estimators.classifier import VAEClassifier
    from vaekit.estimators.embedder import VAEEmbedder
    from vaekit.estimators.imputer import VAEImputer
    from vaekit.estimators.synthesizer import TableSynthesizer
    from vaekit.model.build import build_model
    from vaekit.model.vae import VAE
    from vaekit.runs.run import Run, load
    from vaekit.tasks.evaluation import evaluate
    from vaekit.tasks.latent_prior import fit_prior
    from vaekit.tasks.scoring import score, score_many
    from vaekit.training.loop import resume, train
    from vaekit.tuning import tune

__all__ = ["VAE", "Config", "DataConfig", "Dataset", "ModelConfig", "ObjectiveConfig", "Run", "TableSynthesizer",
           "TrainConfig",
           "VAEAnomalyDetector", "VAEClassifier",
           "VAEEmbedder", "VAEImputer", "VaekitError", "build_model", "evaluate", "fit_prior", "load",
           "load_config_file", "load_dataset", "resume", "score", "score_many", "train", "tune"]

# Each public name and the module it lives in, imported on first use (PEP 562): `import vaekit`, and with it
# `vaekit --help`, costs nothing, and a run imports torch, scikit-learn (the estimators), pandas (tables) or
# matplotlib (pictures) only when it reaches them.
_LAZY = {"Config": "vaekit.config", "DataConfig": "vaekit.config", "ModelConfig": "vaekit.config",
         "ObjectiveConfig": "vaekit.config", "TrainConfig": "vaekit.config", "load_config_file": "vaekit.config",
         "Dataset": "vaekit.data", "load_dataset": "vaekit.data", "VAEEmbedder": "vaekit.estimators.embedder",
         "VaekitError": "vaekit.core.errors", "evaluate": "vaekit.tasks.evaluation", "VAE": "vaekit.model.vae",
         "build_model": "vaekit.model.build", "load": "vaekit.runs.run", "Run": "vaekit.runs.run",
         "resume": "vaekit.training.loop", "train": "vaekit.training.loop",
         "VAEAnomalyDetector": "vaekit.estimators.anomaly_detector", "VAEImputer": "vaekit.estimators.imputer",
         "VAEClassifier": "vaekit.estimators.classifier", "score": "vaekit.tasks.scoring",
         "score_many": "vaekit.tasks.scoring", "tune": "vaekit.tuning",
         "TableSynthesizer": "vaekit.estimators.synthesizer", "fit_prior": "vaekit.tasks.latent_prior"}


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name == "__version__":  # the installed distribution's, so that it cannot drift from pyproject.toml
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("vaekit")
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups are plain attribute reads
        return value
    raise AttributeError(f"module 'vaekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
