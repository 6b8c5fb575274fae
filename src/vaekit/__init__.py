"""vaekit: Variational Autoencoders as compositions of parts, with a command line.

    import vaekit
    run = vaekit.train(vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 2}}))
    model = vaekit.load(run.path)
    q = model.encode(x)                  # q(z|x), a torch Distribution
    x_new = model.sample(16)
"""

from vaekit.config import Config, DataConfig, ModelConfig, ObjectiveConfig, TrainConfig, load_config_file
from vaekit.data import Dataset, load_dataset
from vaekit.embedder import VAEEmbedder
from vaekit.errors import VaekitError
from vaekit.evaluation import evaluate
from vaekit.model import VAE, build_model
from vaekit.run_dir import load
from vaekit.training.loop import Run, resume, train

__all__ = ["VAE", "Config", "DataConfig", "Dataset", "ModelConfig", "ObjectiveConfig", "Run", "TrainConfig",
           "VAEAnomalyDetector", "VAEClassifier",
           "VAEEmbedder", "VAEImputer", "VaekitError", "build_model", "evaluate", "load",
           "load_config_file", "load_dataset", "resume", "train"]

# scikit-learn style estimators, imported on first use: scikit-learn takes a second to import, so `import vaekit`
# does not pay for it
_ESTIMATORS = {"VAEAnomalyDetector": "vaekit.anomaly_detector", "VAEImputer": "vaekit.imputer",
               "VAEClassifier": "vaekit.classifier"}


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name in _ESTIMATORS:
        import importlib

        return getattr(importlib.import_module(_ESTIMATORS[name]), name)
    raise AttributeError(f"module 'vaekit' has no attribute {name!r}")
