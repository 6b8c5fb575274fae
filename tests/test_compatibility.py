"""Run directories written by earlier versions keep loading and give the outputs they gave then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import vaekit
from conftest import invoke

FIXTURES = Path(__file__).parent / "fixtures" / "runs"


@pytest.mark.parametrize("version", ["v0.1.0"])
def test_an_old_run_loads_and_gives_its_recorded_outputs(version: str) -> None:
    run = FIXTURES / f"digits-{version}"
    expected = json.loads((FIXTURES / f"digits-{version}-expected.json").read_text())
    model = vaekit.load(run)
    x = vaekit.load_dataset("digits").test_x[:3]
    torch.testing.assert_close(model.encode(x).mean, torch.tensor(expected["posterior_mean"]), atol=1e-5, rtol=0)
    torch.testing.assert_close(model.reconstruct(x).sum((1, 2, 3)), torch.tensor(expected["reconstruction_sum"]),
                               atol=1e-3, rtol=0)
    code, output = invoke("info", run)
    assert code == 0 and "after epoch 2" in output
