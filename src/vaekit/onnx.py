"""Run a model exported by `vaekit export RUN --format onnx` with onnxruntime and numpy only (no torch imported):

    from vaekit.onnx import OnnxModel
    model = OnnxModel("runs/digits/onnx")
    mean, stddev = model.encode(x)           # x: (N, *shape) float32 array, as the run's data
    images = model.decode(mean)              # the mean of p(x|z), in the data's units
    scores = model.score(x, k=100, seed=0)   # -log p(x), importance-weighted (higher = more anomalous)
    model.predict(x)                         # 1 above the exported threshold (vaekit export --threshold), else 0

The noise of the k importance samples is drawn here, with numpy's generator seeded by `seed`: the graph has no
random numbers of its own, and torch's scores of the same noise are the graph's (tests/test_onnx_export.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.core.errors import VaekitError

SIDECAR = "vaekit-onnx.json"


class OnnxModel:
    """The encoder, decoder and scorer graphs of one exported run, and its sidecar's facts."""

    def __init__(self, folder: str | Path) -> None:
        try:
            import onnxruntime
        except ImportError:
            raise VaekitError("running an exported model needs onnxruntime: pip install 'vaekit[onnx]'") from None
        folder = Path(folder)
        try:
            self.info: dict[str, Any] = json.loads((folder / SIDECAR).read_text())
        except (OSError, ValueError) as error:
            raise VaekitError(f"{folder} holds no readable {SIDECAR} ({type(error).__name__}): export the run with "
                              "vaekit export RUN --format onnx") from None
        if self.info.get("format") != "vaekit-onnx":
            raise VaekitError(f"{folder / SIDECAR} is not a vaekit ONNX export")
        self.shape = tuple(self.info["data_shape"])
        self.latent_dim = int(self.info["latent_dim"])
        self.threshold = self.info.get("threshold")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only
        self._sessions = {name: onnxruntime.InferenceSession(str(folder / f"{name}.onnx"), options,
                                                             providers=["CPUExecutionProvider"])
                          for name in ("encoder", "decoder", "scorer")}

    def _examples(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != len(self.shape) + 1 or x.shape[1:] != self.shape or len(x) == 0:
            raise VaekitError(f"x must have shape (N, {', '.join(map(str, self.shape))}), got {x.shape}")
        if not np.isfinite(x).all():
            raise VaekitError("x holds NaN or infinite values; the exported model scores complete examples")
        return np.ascontiguousarray(x)

    def encode(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """(mean, stddev) of q(z|x), each (N, d)."""
        mean, stddev = self._sessions["encoder"].run(None, {"x": self._examples(x)})
        return mean, stddev

    def decode(self, z: Any) -> np.ndarray:
        """The mean of p(x|z), (N, *shape)."""
        z = np.ascontiguousarray(np.asarray(z, dtype=np.float32))
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise VaekitError(f"z must have shape (N, {self.latent_dim}), got {z.shape}")
        return self._sessions["decoder"].run(None, {"z": z})[0]

    def score(self, x: Any, k: int = 100, seed: int = 0, noise: np.ndarray | None = None) -> np.ndarray:
        """(N,) -log p(x) by the importance-weighted bound with k draws (higher = more anomalous); `noise`
        (k, N, d) standard normal draws instead of the seeded ones."""
        x = self._examples(x)
        if noise is None:
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise VaekitError(f"k must be a whole number of at least 1, got {k!r}")
            noise = np.random.default_rng(seed).standard_normal((k, len(x), self.latent_dim), dtype=np.float32)
        return self._sessions["scorer"].run(None, {"x": x, "noise": np.asarray(noise, dtype=np.float32)})[0]

    def predict(self, x: Any, k: int = 100, seed: int = 0) -> np.ndarray:
        """(N,) 1 where the score is above the exported threshold, else 0."""
        if self.threshold is None:
            raise VaekitError("this export has no threshold: export with vaekit export RUN --format onnx "
                              "--threshold T")
        return (self.score(x, k, seed) > float(self.threshold)).astype(np.int64)
