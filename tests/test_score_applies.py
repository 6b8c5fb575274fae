"""Score kinds declare the data they mean something for (tasks/scoring/kind.py asks the run's data kind): a text run
is not scored by the squared difference of token ids, an audio run not by the PNG size of clamped spectrograms; a
kind asked for that does not apply is one line, exit 2. And `vaekit score` into a run holds the run's lock, so a
second one is refused instead of silently replacing the first one's scores.csv."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import invoke
from vaekit.config.model import ModelConfig
from vaekit.core.errors import VaekitError
from vaekit.data.kinds import data_kind, kind_names
from vaekit.model.build import build_model
from vaekit.runs.lock import claim_run
from vaekit.tasks.scoring import SCORES, check_kind, default_kinds, score_many

SHAPES = {"text": (9,), "audio": (1, 8, 10), "image": (1, 8, 8), "vector": (5,), "series": (6, 3), "table": (5,)}


def model_of(kind: str):  # type: ignore[no-untyped-def]
    # a table's own likelihood (mixed) needs its column types; the score kinds ask the data kind alone
    likelihood = "gaussian" if kind == "table" else "auto"
    return build_model(ModelConfig(hidden=[8], latent_dim=2, likelihood=likelihood), SHAPES[kind], kind,
                       vocabulary_size=12 if kind == "text" else None)


def test_every_data_kind_declares_what_its_values_are() -> None:
    assert set(SHAPES) == set(kind_names())
    declared = {name: (data_kind(name).values_are_measures, data_kind(name).unit_pictures) for name in SHAPES}
    assert declared == {"text": (False, False), "audio": (True, False), "image": (True, True),
                        "vector": (True, False), "series": (True, False), "table": (False, False)}


@pytest.mark.parametrize(("kind", "expected"), [
    ("text", ["elbo", "iw", "rate"]),                                 # token ids: no squared difference
    ("audio", ["elbo", "iw", "rate", "reconstruction"]),              # log-mel powers: no PNG of them
    ("image", ["complexity", "elbo", "iw", "rate", "reconstruction"]),
    ("vector", ["elbo", "iw", "rate", "reconstruction"]),
    ("table", ["elbo", "iw", "rate"]),                                # codes of levels: no squared difference
])
def test_the_default_kinds_are_those_that_apply_to_the_data(kind: str, expected: list[str]) -> None:
    assert default_kinds(model_of(kind), None) == expected
    assert "likelihood_ratio" in SCORES.names()  # registered, left out without a background model


def test_the_default_kinds_with_a_background_add_the_likelihood_ratio() -> None:
    model = model_of("text")
    assert default_kinds(model, model_of("text")) == ["elbo", "iw", "likelihood_ratio", "rate"]


def test_a_kind_that_does_not_apply_is_refused_naming_the_ones_that_do() -> None:
    with pytest.raises(VaekitError, match=r"^the reconstruction score is a squared difference of values, which means "
                                          r"nothing for text data .*choose another --kind \(elbo, iw, rate\)$"):
        check_kind("reconstruction", model_of("text"), None)
    with pytest.raises(VaekitError, match=r"^the complexity score is for pictures of values in \[0, 1\] .* audio "
                                          r"data are not: choose another --kind \(elbo, iw, rate, reconstruction\)$"):
        score_many(model_of("audio"), [[[[0.0] * 10] * 8]], "complexity")
    with pytest.raises(VaekitError, match=r"for images .* vectors of shape \[5\]"):  # as before for vectors
        check_kind("complexity", model_of("vector"), None)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("score") / "run"
    code, output = invoke("train", "--data", "digits", "--hidden", "8", "--latent-dim", "2", "--epochs", "1",
                          "--quiet", "--out", run)
    assert code == 0, output
    return run


def test_a_second_score_into_a_run_is_refused_while_the_first_writes(digits_run: Path, tmp_path: Path) -> None:
    run = shutil.copytree(digits_run, tmp_path / "run")
    code, output = invoke("score", run, "--kind", "rate")
    assert code == 0, output
    first = (run / "scores.csv").read_bytes()
    with claim_run(run, "vaekit score"):  # as a `vaekit score` still at work in another process holds it
        code, output = invoke("score", run, "--kind", "iw", "--k", "2")
        assert code == 2 and output.count("error:") == 1, output
        assert "is being written by `vaekit score` (pid" in output and "wait for it to finish" in output
        code, output = invoke("score", run, "--kind", "iw", "--k", "2", "--out", tmp_path / "elsewhere.csv")
        assert code == 2, output  # a reader too waits for the writer (the run may be half-written)
    assert (run / "scores.csv").read_bytes() == first
    assert list(pd.read_csv(run / "scores.csv").columns) == ["id", "rate", "label"]
    code, output = invoke("score", run, "--kind", "iw", "--k", "2")  # once the first is done: it replaces them
    assert code == 0, output
    assert list(pd.read_csv(run / "scores.csv").columns) == ["id", "iw", "label"]


def test_score_into_a_run_holds_its_lock_while_it_computes(digits_run: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import vaekit.tasks.scoring as scoring
    from vaekit.runs.lock import writer_of

    run = shutil.copytree(digits_run, tmp_path / "run")
    seen = []
    real = scoring.score_many

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(writer_of(run))  # what a second `vaekit score` started now would be refused by
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "score_many", watched)
    code, output = invoke("score", run, "--kind", "rate")
    assert code == 0, output
    assert len(seen) == 1 and seen[0] is not None and seen[0].startswith("`vaekit score` (pid")
    code, output = invoke("score", run, "--kind", "rate", "--out", tmp_path / "s.csv")  # elsewhere: no claim
    assert code == 0, output
    assert seen[1] is None and writer_of(run) is None
