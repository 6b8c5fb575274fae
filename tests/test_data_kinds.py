"""Data kinds (data/kinds.py): each kind says how its outputs are named and written; the run check asks it."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import torch

from vaekit.core.errors import ConfigError
from vaekit.data.kinds import data_kind, kind_names
from vaekit.runs.directory import check_data_info


def test_image_and_vector_are_registered_with_their_example_shapes() -> None:
    assert {"image", "vector"} <= set(kind_names())
    assert data_kind("image").example_ndim == 3 and data_kind("vector").example_ndim == 1
    assert data_kind("image").default_output("samples") == "samples.png"
    assert data_kind("vector").default_output("reconstructions") == "reconstructions.csv"
    with pytest.raises(ConfigError, match="unknown data kind 'sound'"):
        data_kind("sound")


def test_image_reconstructions_go_below_their_inputs(tmp_path) -> None:
    x, recon = torch.zeros(4, 1, 8, 8), torch.ones(4, 1, 8, 8)
    path = data_kind("image").save(tmp_path / "r.png", recon, {}, ncol=4, inputs=x)
    picture = matplotlib.image.imread(path)[..., 0]
    half = picture.shape[0] // 2
    assert picture[:half].mean() + 0.5 < picture[half:].mean()  # the inputs (black) above, white below


def test_vector_outputs_are_tables_with_the_runs_column_names(tmp_path) -> None:
    values = torch.tensor([[1.0, 0.0], [2.0, 1.0]])
    info = {"columns": ["age", "smoker"], "column_values": [None, ["no", "yes"]]}
    path = data_kind("vector").save(tmp_path / "s.csv", values, info, inputs=values)
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["age", "smoker"]  # a table shows the reconstructions alone
    assert frame["smoker"].tolist() == ["no", "yes"] and np.allclose(frame["age"], [1, 2])


def test_a_run_config_shape_must_match_its_kind() -> None:
    check_data_info({"shape": [1, 8, 8], "kind": "image"})
    with pytest.raises(ValueError, match=r"\(D,\) for vector data"):
        check_data_info({"shape": [1, 8, 8], "kind": "vector"})
    with pytest.raises(ValueError, match="data kind 'sound' is not one of"):
        check_data_info({"shape": [8], "kind": "sound"})
