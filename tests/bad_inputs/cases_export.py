"""`vaekit export` and vaekit.onnx.OnnxModel: counts and thresholds that are no numbers, a folder that holds no
export, examples of the wrong shape; each refused before anything is written."""

from __future__ import annotations

import numpy as np

from bad_inputs.case import Case, Workspace


def _export(w: Workspace) -> None:
    from vaekit.runs.run import load
    from vaekit.tasks.onnx_export import export_onnx

    export_onnx(load(w.run), w.path("onnx"))


def _exported(w: Workspace):  # type: ignore[no-untyped-def]
    from vaekit.onnx import OnnxModel

    return OnnxModel(w.path("onnx"))


def _no_export(w: Workspace) -> None:
    from vaekit.onnx import OnnxModel

    OnnxModel(w.path("."))


CASES = [
    Case("export-threshold-nan", r"--threshold must be a number, got nan",
         ["export", "{run}", "--threshold", "nan", "--out", "{root}/onnx"]),
    Case("export-check-negative", r"--check must be 0 or a number of examples, got -1",
         ["export", "{run}", "--check", "-1", "--out", "{root}/onnx"]),
    Case("onnx-folder-without-export", r"holds no readable vaekit-onnx\.json .* vaekit export RUN --format onnx",
         api=_no_export),
    Case("onnx-examples-of-another-shape", r"x must have shape \(N, 1, 8, 8\), got \(3, 64\)",
         api=lambda w: _exported(w).score(np.zeros((3, 64), np.float32)), setup=_export),
    Case("onnx-predict-without-threshold", r"this export has no threshold",
         api=lambda w: _exported(w).predict(np.zeros((3, 1, 8, 8), np.float32)), setup=_export),
]
