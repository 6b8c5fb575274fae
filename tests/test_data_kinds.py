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


@pytest.mark.parametrize(("kind", "network", "likelihood"), [("image", "mlp", "bernoulli"), ("text", "rnn",
                         "autoregressive"), ("series", "rnn", "autoregressive_gaussian"), ("audio", "mlp", "gaussian")])
def test_each_kind_declares_the_network_and_likelihood_that_read_it(kind, network, likelihood) -> None:
    from vaekit.core.registry import LIKELIHOODS, NETWORKS

    part = data_kind(kind)
    assert (part.network, part.likelihood()) == (network, likelihood)
    assert part.network in NETWORKS.names() and part.likelihood() in LIKELIHOODS.names()
    assert data_kind("vector").likelihood(["continuous", "binary"]) == "mixed"
    assert data_kind("vector").likelihood(["continuous"]) == data_kind("vector").likelihood() == "gaussian"


def test_text_trains_without_naming_a_network_and_the_run_records_what_it_was_built_with(tmp_path) -> None:
    import json

    from conftest import invoke

    words = "the a cat dog sat ran on under mat log".split()
    lines = [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(3 + i % 5)) for i in range(120)]
    (tmp_path / "s.txt").write_text("\n".join(lines) + "\n")
    code, output = invoke("train", "--data", tmp_path / "s.txt", "--epochs", "1", "--latent-dim", "2",
                          "--rnn-hidden", "16", "--embedding-dim", "8", "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    model = saved["config"]["model"]
    # "auto" is settled once, at training, and written settled
    assert (model["network"], model["likelihood"], model["standardize"]) == ("rnn", "autoregressive", "off")
    assert saved["trained_with"] == {"processes": 1, "device": "cpu", "precision": "fp32"}
    code, output = invoke("sample", tmp_path / "run", "-n", "2", "--out", tmp_path / "s2.txt")
    assert code == 0 and len((tmp_path / "s2.txt").read_text().splitlines()) == 2, output
