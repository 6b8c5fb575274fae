"""Text runs end to end on the command line: train on a tiny corpus, then sample, reconstruct, interpolate, embed
and evaluate, with the run's vocabulary reused for other text, ids and row order kept."""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest
import torch

from conftest import invoke
from vaekit.data.text.fortunes import FORTUNES_DIR
from vaekit.data.text.tokenize import detokenize
from vaekit.data.text.tokens import UNK
from vaekit.data.text.vocabulary import read_vocabulary
from vaekit.runs.run import load
from vaekit.tasks.outputs import select_data

WORDS = "the a cat dog sat ran on in mat park big small red".split()
TINY = ["--network", "rnn", "--rnn-hidden", "24", "--embedding-dim", "8", "--latent-dim", "3", "--batch-size", "32",
        "--seed", "0", "--quiet"]


def _corpus(path: Path, n: int = 120) -> Path:
    rng = random.Random(0)
    path.write_text("".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))) + " .\n" for _ in range(n)))
    return path


@pytest.fixture(scope="module")
def text_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(VAE run, language model run, its corpus): two epochs each on 120 short sentences."""
    folder = tmp_path_factory.mktemp("text")
    corpus = _corpus(folder / "corpus.txt")
    for name, extra in (("vae", ["--word-dropout", "0.25", "--warmup-epochs", "1"]), ("lm", ["--language-model"])):
        code, output = invoke("train", "--data", corpus, *TINY, *extra, "--epochs", "2", "--out", folder / name)
        assert code == 0, output
    return folder / "vae", folder / "lm", corpus


def test_a_text_run_keeps_its_vocabulary_and_writes_sentences(text_runs: tuple[Path, Path, Path]) -> None:
    run, _, corpus = text_runs
    data = json.loads((run / "config.json").read_text())["data"]
    tokens = read_vocabulary(run / "vocabulary.json")
    assert data["kind"] == "text" and data["vocabulary_size"] == len(tokens) == 4 + len(WORDS) + 1  # and "."
    assert data["max_length"] == 8 and data["shape"] == [9]  # 7 words and "." at most, then EOS
    samples = (run / "samples.txt").read_text().splitlines()
    assert len(samples) == 32 and all(set(line.split()) <= set(tokens) for line in samples)
    pairs = (run / "reconstructions.tsv").read_text().splitlines()
    lines = corpus.read_text().splitlines()
    test_rows = select_data(run).data.rows()[1]
    assert pairs[0] == "input\toutput"
    assert [row.split("\t")[0] for row in pairs[1:]] == [lines[i] for i in test_rows[:32]]


def test_sample_decodings(text_runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    run, _, _ = text_runs
    outputs = {}
    for name, flags in (("beam", ["--decode", "beam", "--beam-width", "3"]), ("drawn", ["--decode", "sample"]),
                        ("again", ["--decode", "sample"]), ("greedy", []), ("greedy2", ["--decode", "greedy"])):
        code, output = invoke("sample", run, "-n", "6", "--seed", "4", *flags, "--out", tmp_path / f"{name}.txt")
        assert code == 0, output
        outputs[name] = (tmp_path / f"{name}.txt").read_text().splitlines()
        assert len(outputs[name]) == 6
    assert outputs["drawn"] == outputs["again"]  # seeded
    assert outputs["greedy"] == outputs["greedy2"]  # greedy is the default
    model = load(run)
    z = model.prior.rsample_seeded(torch.Size([6]), torch.Generator().manual_seed(4))
    beam = model.decode(z).decode("beam", beam_width=3)
    tokens = read_vocabulary(run / "vocabulary.json")
    assert outputs["beam"] == [detokenize([tokens[int(i)] for i in row if i > 3]) for row in beam]


def test_reconstruct_interpolate_embed_keep_ids_and_order(text_runs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    run, _, _ = text_runs
    other = tmp_path / "other.txt"
    other.write_text("the cat sat .\n\nthe zebra ran on a mat .\na big dog .\n")
    code, output = invoke("reconstruct", run, "--data", other, "--out", tmp_path / "r.tsv")
    assert code == 0, output
    rows = [line.split("\t") for line in (tmp_path / "r.tsv").read_text().splitlines()]
    assert rows[0] == ["id", "input", "output"]
    assert [row[:2] for row in rows[1:]] == [["1", "the cat sat ."], ["3", "the <unk> ran on a mat ."],
                                             ["4", "a big dog ."]]  # line numbers; the run's vocabulary
    chosen = select_data(run, str(other))
    assert int((chosen.x == UNK).sum()) == 1 and chosen.ids.tolist() == [1, 3, 4]
    model = load(run)
    greedy = model.reconstruct(chosen.x)
    tokens = read_vocabulary(run / "vocabulary.json")
    assert [row[2] for row in rows[1:]] == [detokenize([tokens[int(i)] for i in row if i > 3]) for row in greedy]
    code, output = invoke("interpolate", run, "--data", other, "--from", "0", "--to", "2", "--steps", "5",
                          "--out", tmp_path / "path.txt")
    assert code == 0, output
    path = (tmp_path / "path.txt").read_text().splitlines()
    assert len(path) == 5 and path[0] == rows[1][2] and path[-1] == rows[3][2]  # the ends decode as reconstructions
    code, output = invoke("embed", run, "--data", other, "--out", tmp_path / "codes.csv")
    assert code == 0, output
    codes = (tmp_path / "codes.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in codes] == ["id", "1", "3", "4"]


def test_evaluate_per_token_numbers_and_the_language_model(text_runs: tuple[Path, Path, Path]) -> None:
    run, lm, _ = text_runs
    code, output = invoke("evaluate", run, "--k", "4", "--baseline", lm)
    assert code == 0, output
    assert "perplexity bound" in output and "-ELBO above the language model" in output
    found = json.loads((run / "evaluation.json").read_text())
    x = select_data(run).x
    tokens = int((x != 0).sum())
    assert found["tokens"] == tokens
    assert found["neg_elbo_per_token"] == pytest.approx(found["neg_elbo"]["mean"] * len(x) / tokens)
    assert found["perplexity_bound"] == pytest.approx(math.exp(found["neg_elbo_per_token"]))
    assert found["perplexity"] <= found["perplexity_bound"] * (1 + 1e-6)
    assert found["baseline_rate"]["mean"] == 0.0  # a language model has no code
    lm_nll = found["baseline_neg_log_likelihood"]["mean"]
    assert found["neg_elbo_over_baseline"] == pytest.approx(found["neg_elbo"]["mean"] / lm_nll - 1)
    # every number with its unit: the relative excess read as a bare 0.0019, as if nats (issue 21)
    rows = {parts[0]: parts[-1] for parts in (re.split(r" {2,}", line.strip()) for line in output.splitlines())}
    assert rows["-ELBO above the language model's -log p(x)"] == f"{found['neg_elbo_over_baseline']:+.2%}"
    assert rows["IW -log p(x) above the language model's"] == f"{found['neg_log_likelihood_over_baseline']:+.2%}"
    for label in ("negative ELBO (nats per example)", "-log p(x) per token, IW (nats)", "  per token (nats)",
                  "greedy reconstruction: share of tokens right", "perplexity, exp(IW -log p(x) per token)"):
        assert label.strip() in rows, label
    lm_model = load(lm)
    assert lm_nll == pytest.approx(float(-lm_model.decode(lm_model.encode(x).mean).log_prob(x).mean()), rel=1e-4)


@pytest.mark.skipif(not FORTUNES_DIR.is_dir(), reason="Debian's fortunes package is not installed "
                    "(apt-get install fortunes)")
def test_train_on_fortunes(tmp_path: Path) -> None:
    code, output = invoke("train", "--data", "fortunes:max_tokens=5", *TINY, "--epochs", "1", "--out", tmp_path / "f")
    assert code == 0, output
    data = json.loads((tmp_path / "f" / "config.json").read_text())["data"]
    assert data["source"] == "fortunes:max_tokens=5" and data["max_length"] == 5
    lines = (tmp_path / "f" / "reconstructions.tsv").read_text().splitlines()[1:]
    assert lines and all(len(line.split("\t")[0].split()) <= 5 for line in lines)  # <unk> is one token here
