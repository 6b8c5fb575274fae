"""Bad speed settings (issue 11): an unknown precision, a compile setting that is not a yes or no."""

from __future__ import annotations

from bad_inputs.case import Case

NEW = ["--out", "{root}/new"]

CASES = [
    Case("precision-unknown", r"train\.precision must be one of fp32, bf16, fp16; got 'fp8'",
         ["train", "--precision", "fp8", *NEW]),
    Case("compile-not-a-bool", r"train\.compile must be",
         ["train", "--config", "{root}/c.yaml", *NEW], setup=lambda w: w.write("c.yaml", "train:\n  compile: fast\n")),
]
