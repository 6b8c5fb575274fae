"""`vaekit export RUN --format onnx`: the graphs give torch's numbers (the same noise for the scores), run with
onnxruntime and numpy only (no torch imported), and keep a table's standardization inside."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import vaekit
from conftest import invoke

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def test_an_exported_run_gives_torchs_encodings_decodings_and_scores(digits_run: Path, tmp_path: Path) -> None:
    from vaekit.onnx import OnnxModel
    from vaekit.tasks.onnx_export import compare_with_torch

    out = tmp_path / "onnx"
    code, output = invoke("export", digits_run, "--format", "onnx", "--out", out, "--threshold", "35.5")
    assert code == 0, output
    assert "iw score: largest relative difference from torch" in output
    sidecar = json.loads((out / "vaekit-onnx.json").read_text())
    assert sidecar["data_shape"] == [1, 8, 8] and sidecar["threshold"] == 35.5 and sidecar["score"] == "iw"
    model = vaekit.load(digits_run)
    x = vaekit.load_dataset("digits").test_x[:50]
    differences = compare_with_torch(model, out, x)
    assert max(differences["encoder mean"], differences["encoder stddev"], differences["decoder mean"]) <= 1e-5
    assert differences["iw score"] <= 1e-4
    exported = OnnxModel(out)
    # the estimator is vaekit's iw score: with many draws both are near -log p(x)
    found = exported.score(x.numpy(), k=2000, seed=1)
    expected = vaekit.score(model, x, kind="iw", k=2000).numpy()
    assert np.abs(found - expected).max() < 0.05 * np.abs(expected).max()
    np.testing.assert_array_equal(exported.predict(x.numpy(), k=50), (exported.score(x.numpy(), k=50) > 35.5))


def test_the_runtime_imports_no_torch(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("export", digits_run, "--out", tmp_path / "onnx", "--check", "0")
    assert code == 0, output
    np.save(tmp_path / "x.npy", vaekit.load_dataset("digits").test_x[:4].numpy())
    script = (f"import sys, numpy as np\nfrom vaekit.onnx import OnnxModel\n"
              f"m = OnnxModel({str(tmp_path / 'onnx')!r})\n"
              f"s = m.score(np.load({str(tmp_path / 'x.npy')!r}), k=10)\n"
              "assert s.shape == (4,) and np.isfinite(s).all()\n"
              "assert 'torch' not in sys.modules, 'torch was imported'\nprint('ok')")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_a_tables_standardization_is_inside_the_graphs(tmp_path: Path) -> None:
    from vaekit.tasks.onnx_export import compare_with_torch, export_onnx

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"price": rng.normal(5000, 800, 200), "ratio": rng.normal(0.5, 0.01, 200)})
    frame.to_csv(tmp_path / "t.csv", index=False)
    run = vaekit.train({"data": {"source": str(tmp_path / "t.csv")}, "model": {"latent_dim": 2, "hidden": [16]},
                        "train": {"epochs": 3}}, tmp_path / "run", progress=False, pictures=False)
    export_onnx(run.model, tmp_path / "onnx")
    x = torch.tensor(frame.to_numpy()[:30], dtype=torch.float32)
    differences = compare_with_torch(run.model, tmp_path / "onnx", x)
    assert max(differences.values()) <= 1e-4, differences


def test_a_run_that_cannot_be_a_graph_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    run = vaekit.train({"data": {"source": "digits"}, "model": {"latent_dim": 2, "hidden": [16], "conditional": True},
                        "train": {"epochs": 1}}, tmp_path / "cvae", progress=False, pictures=False)
    code, output = invoke("export", run.path, "--out", tmp_path / "onnx")
    assert code == 2 and "cannot be exported to ONNX: it is conditional" in output
    assert not (tmp_path / "onnx").exists()


def test_a_bernoulli_of_confident_logits_stays_finite_in_the_graph(tmp_path: Path) -> None:
    """The exporter's own cross-entropy takes log 0 where sigmoid rounds to 1: NaN scores on Fashion-MNIST."""
    import onnxruntime

    from vaekit.tasks.onnx_export import OPSET, _stable_cross_entropy

    class LogProb(torch.nn.Module):
        def forward(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
            return torch.distributions.Bernoulli(logits=logits).log_prob(x)

    logits = torch.tensor([[40.0, -40.0, 0.3, 25.0]])
    x = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    torch.onnx.register_custom_op_symbolic("aten::binary_cross_entropy_with_logits", _stable_cross_entropy, OPSET)
    torch.onnx.export(LogProb(), (logits, x), str(tmp_path / "b.onnx"), input_names=["l", "x"], opset_version=OPSET,
                      dynamo=False)
    found = onnxruntime.InferenceSession(str(tmp_path / "b.onnx")).run(None, {"l": logits.numpy(), "x": x.numpy()})[0]
    np.testing.assert_allclose(found, LogProb()(logits, x).numpy(), rtol=1e-6, atol=1e-6)
