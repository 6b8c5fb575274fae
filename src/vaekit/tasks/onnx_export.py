"""A trained model as ONNX graphs that onnxruntime runs without torch (`vaekit export RUN --format onnx`):

    encoder.onnx   x (N, *shape) -> mean, stddev of q(z|x)                  (standardization inside)
    decoder.onnx   z (N, d) -> mean of p(x|z), in the data's units
    scorer.onnx    x (N, *shape), noise (k, N, d) -> the iw score of each example,
                   -log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),   z_i = mean + stddev * noise_i
    vaekit-onnx.json   shapes, names, the data's kind and binarization, the threshold (when given), versions

The noise is an input, so the runner (vaekit/onnx.py, numpy and onnxruntime only) draws it and a graph holds no
random number generator; with the same noise, a graph's score is torch's. Export covers what such a graph can
hold: an unconditional model with a Gaussian posterior (standard, not a flow or a ladder) and a likelihood of fixed
shape; others are refused in one line.

    written = export_onnx(model, Path("runs/digits/onnx"), threshold=41.2)
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path, write_json

SIDECAR = "vaekit-onnx.json"
OPSET = 17


class _Encoder(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        q = self.model.encode(x)
        return q.mean, q.stddev


class _Decoder(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model.decode(z).mean


class _Scorer(nn.Module):
    """-IW_k(x) from k noise draws per example: the iw score of tasks/scoring/iw.py, its draws given."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        q = self.model.encode(x)
        z = q.mean + q.stddev * noise  # (k, N, d)
        log_q = torch.distributions.Normal(q.mean, q.stddev).log_prob(z).sum(-1)
        log_px = self.model.decode(z).log_prob(x)
        weights = log_px + self.model.prior.log_prob(z) - log_q
        # log-sum-exp written out with its maximum taken first: ONNX's ReduceLogSumExp, as onnxruntime runs it,
        # sums exp(w) directly, and weights near -200 nats underflow to a log of 0 (NaN scores)
        top = weights.max(dim=0).values
        total = top + (weights - top).exp().sum(0).log()
        # log k from the weights themselves: a Python number taken from a shape would be traced as a constant
        return -(total - torch.ones_like(weights).sum(0).log())


def _stable_cross_entropy(g: Any, logits: Any, target: Any, weight: Any, pos_weight: Any, reduction: Any) -> Any:
    """ONNX for an elementwise binary_cross_entropy_with_logits (a Bernoulli's -log_prob): softplus(l) - x * l.
    The exporter's own form, x log sigmoid(l) + (1 - x) log(1 - sigmoid(l)), takes log 0 where sigmoid rounds to
    1 and multiplies it by 0: NaN scores for confident pixels."""
    from torch.onnx import symbolic_helper

    if symbolic_helper._maybe_get_const(reduction, "i") != 0 or not symbolic_helper._is_none(pos_weight) \
            or not symbolic_helper._is_none(weight):  # only the elementwise form a likelihood uses is written here
        raise VaekitError("a weighted or reduced binary cross-entropy has no ONNX form in vaekit's export")
    return g.op("Sub", g.op("Softplus", logits), g.op("Mul", target, logits))


def check_exportable(model: nn.Module) -> None:
    """A VaekitError saying why this model's graphs cannot be exported, before anything is written."""
    reasons = []
    if model.num_classes is not None or model.class_latent is not None:
        reasons.append("it is conditional (labels or a class latent)")
    if model.encoder_mask:
        reasons.append("it models missing values (its inputs carry a mask)")
    if type(model.likelihood).autoregressive:
        reasons.append("its likelihood decodes step by step")
    if not type(model.posterior).gaussian_code:
        reasons.append("its posterior is not a diagonal Gaussian")
    if reasons:
        raise VaekitError(f"this run cannot be exported to ONNX: {'; '.join(reasons)}")


def export_onnx(model: nn.Module, out: Path, threshold: float | None = None, info: dict[str, Any] | None = None
                ) -> list[Path]:
    """The three graphs and the sidecar in folder `out` (each written whole, then moved in place)."""
    check_exportable(model)
    model = model.cpu().eval()
    out.mkdir(parents=True, exist_ok=True)
    shape = tuple(model.data_shape)
    x = torch.rand(2, *shape)
    z = torch.randn(2, model.latent_dim)
    noise = torch.randn(3, 2, model.latent_dim)
    graphs = {"encoder.onnx": (_Encoder(model), (x,), ["x"], ["mean", "stddev"],
                               {"x": {0: "n"}, "mean": {0: "n"}, "stddev": {0: "n"}}),
              "decoder.onnx": (_Decoder(model), (z,), ["z"], ["mean"], {"z": {0: "n"}, "mean": {0: "n"}}),
              "scorer.onnx": (_Scorer(model), (x, noise), ["x", "noise"], ["score"],
                              {"x": {0: "n"}, "noise": {0: "k", 1: "n"}, "score": {0: "n"}})}
    written = []
    torch.onnx.register_custom_op_symbolic("aten::binary_cross_entropy_with_logits", _stable_cross_entropy, OPSET)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python checks of shapes, which are fixed here
        for name, (module, inputs, input_names, output_names, axes) in graphs.items():
            with atomic_path(out / name) as tmp:
                try:
                    torch.onnx.export(module, inputs, str(tmp), input_names=input_names, output_names=output_names,
                                      dynamic_axes=axes, opset_version=OPSET, dynamo=False)
                except Exception as error:  # an operator ONNX has no form for, in this model's parts
                    first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
                    raise VaekitError(f"this run's {name[:-5]} cannot be written as ONNX ({first})") from None
            written.append(out / name)
    sidecar = {"format": "vaekit-onnx", "version": 1, "data_shape": list(shape), "latent_dim": model.latent_dim,
               "data_kind": model.data_kind, "score": "iw", "threshold": threshold,
               "inputs": {"encoder.onnx": ["x"], "decoder.onnx": ["z"], "scorer.onnx": ["x", "noise"]},
               **({} if info is None else {"run": info})}
    write_json(out / SIDECAR, json.loads(json.dumps(sidecar)))
    return [*written, out / SIDECAR]


def compare_with_torch(model: nn.Module, folder: Path, x: torch.Tensor, k: int = 20, seed: int = 0
                       ) -> dict[str, float]:
    """{graph output: largest relative difference from torch's} on examples x, the same noise for both scores:
    |a - b| / max(|b|, 1), so that values near 0 are compared absolutely."""
    import numpy as np

    from vaekit.onnx import OnnxModel

    exported = OnnxModel(folder)
    model = model.cpu().eval()
    values = x.float().numpy()
    noise = np.random.default_rng(seed).standard_normal((k, len(values), model.latent_dim), dtype=np.float32)
    with torch.no_grad():
        q = model.encode(x.float())
        mean = model.decode(q.mean).mean
        score = _Scorer(model)(x.float(), torch.from_numpy(noise))
    found_mean, found_stddev = exported.encode(values)
    pairs = {"encoder mean": (found_mean, q.mean), "encoder stddev": (found_stddev, q.stddev),
             "decoder mean": (exported.decode(q.mean.numpy()), mean),
             "iw score": (exported.score(values, noise=noise), score)}
    return {name: float((np.abs(a - b.numpy()) / np.maximum(np.abs(b.numpy()), 1.0)).max())
            for name, (a, b) in pairs.items()}
