"""`vaekit serve`'s app (vaekit.serve) through FastAPI's test client, on the small digits run: each endpoint gives
vaekit's in-process numbers, .npy bodies work, every bad request gets its status and a one-line JSON error, the
token, the size limit, runs by name, and concurrent requests joined into one call answer as one by one."""

from __future__ import annotations

import io
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

import vaekit
from vaekit.runs.run import Run
from vaekit.tasks.scoring import default_kinds, score_many
from vaekit.tasks.scoring.maps import score_map

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from vaekit.serve import create_app  # noqa: E402


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return vaekit.load_dataset("digits").test_x[:6].numpy()


@pytest.fixture(scope="module")
def model(digits_run: Path) -> vaekit.VAE:
    return vaekit.load(digits_run)


def client_for(runs: dict[str, Path], **settings: object) -> TestClient:
    return TestClient(create_app({name: Run.open(path) for name, path in runs.items()}, **settings),
                      raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(digits_run: Path):  # type: ignore[no-untyped-def]
    with client_for({"digits": digits_run}) as one:
        yield one


def close(found: object, expected: torch.Tensor | np.ndarray) -> None:
    got = np.asarray(found, dtype=np.float64)
    np.testing.assert_allclose(got, np.asarray(expected, dtype=np.float64), rtol=1e-5, atol=1e-6)


def test_encode_decode_reconstruct_sample_equal_the_model(client: TestClient, model: vaekit.VAE,
                                                          x: np.ndarray) -> None:
    with torch.no_grad():
        posterior = model.encode(torch.as_tensor(x))
        found = client.post("/encode", json={"x": x.tolist()}).json()
        close(found["mean"], posterior.mean)
        close(found["scale"], posterior.stddev)
        z = posterior.mean[:3].numpy()
        close(client.post("/decode", json={"z": z.tolist()}).json()["x"], model.decode(torch.as_tensor(z)).mean)
        close(client.post("/reconstruct", json={"x": x.tolist()}).json()["x"], model.reconstruct(torch.as_tensor(x)))
        drawn = model.sample(4, generator=torch.Generator().manual_seed(7))
    close(client.post("/runs/digits/sample", json={"n": 4, "seed": 7}).json()["x"], drawn)


def test_every_score_kind_and_its_map(client: TestClient, model: vaekit.VAE, x: np.ndarray) -> None:
    kinds = default_kinds(model, None)
    found = client.post("/score", json={"x": x.tolist(), "k": 20, "seed": 1}).json()
    assert set(found["scores"]) == set(kinds) and "maps" not in found
    expected = score_many(model, x, kinds, k=20, seed=1)
    for kind in kinds:
        close(found["scores"][kind], expected[kind])
    mapped = client.post("/score", json={"x": x.tolist(), "kind": "iw,rate", "k": 20, "map": True}).json()
    assert set(mapped["maps"]) == {"iw"}  # the rate has no per-entry share
    close(mapped["maps"]["iw"], score_map(model, x, "iw", k=20))
    assert np.asarray(mapped["maps"]["iw"]).shape == (len(x), 8, 8)


def test_impute_fills_only_the_missing(client: TestClient, model: vaekit.VAE, x: np.ndarray) -> None:
    gaps = x.copy()
    gaps[:, :, :4] = np.nan
    found = np.asarray(client.post("/impute", json={"x": np.where(np.isnan(gaps), None, gaps).tolist(), "k": 50}
                                   ).json()["x"], dtype=np.float32)
    expected = vaekit.tasks.imputation.impute(model, torch.as_tensor(gaps), k=50).numpy()
    close(found, expected)
    assert np.array_equal(found[:, :, 4:], x[:, :, 4:])


def test_npy_body(client: TestClient, model: vaekit.VAE, x: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, x)
    found = client.post("/score?kind=reconstruction", content=buffer.getvalue(),
                        headers={"Content-Type": "application/octet-stream"}).json()
    close(found["scores"]["reconstruction"], score_many(model, x, "reconstruction")["reconstruction"])


@pytest.mark.parametrize(("path", "body", "status", "message"), [
    ("/encode", {"x": [[1.0, 2.0]]}, 400, r"x must have shape \(N, 1, 8, 8\)"),
    ("/encode", {"x": [[[[2.0] * 8] * 8]]}, 400, r"Bernoulli likelihood needs data in|needs data in"),
    ("/encode", {"x": [[1.0], [1.0, 2.0]]}, 400, r"nested list of numbers"),
    ("/encode", {"x": "pixels"}, 400, r"must have shape|nested list of numbers"),
    ("/encode", {}, 400, r"the request has no \"x\""),
    ("/decode", {"z": [[0.0, 0.0, 0.0]]}, 400, r"z must have shape \(\.\.\., 2\)"),
    ("/sample", {"n": 0}, 400, r"n must be at least 1"),
    ("/sample", {"n": 10**6}, 400, r"n must be at most"),
    ("/sample", {"n": "many"}, 400, r"n must be a whole number"),
    ("/score", {"x": [[[[0.5] * 8] * 8]], "kind": "pixels"}, 400, r"unknown score kind"),
    ("/score", {"x": [[[[0.5] * 8] * 8]], "kind": "rate", "map": True}, 400, r"no share per entry"),
    ("/score", {"x": [[[[0.5] * 8] * 8]], "k": 0}, 400, r"k must be a whole number of at least 1"),
    ("/score", {"x": [[[[0.5] * 8] * 8]], "k": 50_000}, 400, r"k must be at most 10000 per request"),
    ("/impute", {"x": [[[[0.5] * 8] * 8]], "method": "guess"}, 400, r"method must be importance"),
    ("/impute", {"x": [[[[0.5] * 8] * 8]], "iterations": 10**6}, 400, r"iterations must be at most 10000"),
    ("/encode", {"x": [[[[None] * 8] * 8]]}, 400, r"has 64 NaN values"),
    ("/runs/nothing/encode", {"x": []}, 404, r"no run named 'nothing' here"),
    ("/nowhere", {}, 404, r"Not Found"),
])
def test_bad_requests_get_one_line_json(client: TestClient, path: str, body: dict, status: int,
                                        message: str) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert "\n" not in error and "Traceback" not in error
    assert re.search(message, error), error


def test_malformed_bodies(client: TestClient) -> None:
    for content, kind in ((b"{not json", "application/json"), (b"[1, 2]", "application/json"),
                          (b"\x93NUMPY garbage", "application/octet-stream")):
        response = client.post("/encode", content=content, headers={"Content-Type": kind})
        assert response.status_code == 422 and "\n" not in response.json()["error"], response.text
    assert client.get("/encode").status_code == 405


def test_health_metadata_and_docs(client: TestClient, model: vaekit.VAE) -> None:
    assert client.get("/health").json() == {"status": "ok", "runs": ["digits"]}
    (meta,) = client.get("/runs").json()["runs"]
    assert meta["name"] == "digits" and meta["shape"] == [1, 8, 8] and meta["data_kind"] == "image"
    assert meta["score_kinds"] == default_kinds(model, None) and "iw" in meta["map_kinds"]
    assert "/runs/{name}/score" in client.get("/openapi.json").json()["paths"]


def test_token_and_size_limit(digits_run: Path, x: np.ndarray) -> None:
    with client_for({"digits": digits_run}, token="secret", max_bytes=2000) as guarded:
        assert guarded.get("/health").status_code == 200
        refused = guarded.post("/encode", json={"x": x[:1].tolist()})
        assert refused.status_code == 401 and "Authorization: Bearer" in refused.json()["error"]
        wrong = guarded.post("/encode", json={"x": x[:1].tolist()}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        auth = {"Authorization": "Bearer secret"}
        assert guarded.post("/encode", json={"x": x[:1].tolist()}, headers=auth).status_code == 200
        big = guarded.post("/encode", json={"x": x.tolist()}, headers=auth)
        assert big.status_code == 413 and "--max-bytes" in big.json()["error"]


def test_two_runs_by_name(digits_run: Path, tmp_path: Path, model: vaekit.VAE, x: np.ndarray) -> None:
    other = shutil.copytree(digits_run, tmp_path / "other")
    with client_for({"a": digits_run, "b": other}) as both:
        assert both.get("/health").json()["runs"] == ["a", "b"]
        for name in ("a", "b"):
            found = both.post(f"/runs/{name}/encode", json={"x": x.tolist()}).json()
            close(found["mean"], model.encode(torch.as_tensor(x)).mean.detach())
        assert both.post("/encode", json={"x": x.tolist()}).status_code == 404  # no default among several


def test_concurrent_requests_joined_answer_as_one_by_one(digits_run: Path, x: np.ndarray) -> None:
    rows = vaekit.load_dataset("digits").test_x[:24].numpy()
    requests = [rows[i:i + 3] for i in range(0, 24, 3)]
    with client_for({"digits": digits_run}, window_s=0.2) as joined:
        def ask(part: np.ndarray) -> tuple[dict, dict]:
            return (joined.post("/encode", json={"x": part.tolist()}).json(),
                    joined.post("/score", json={"x": part.tolist(), "kind": "reconstruction"}).json())

        with ThreadPoolExecutor(8) as pool:
            together = list(pool.map(ask, requests))
        batchers = joined.app.state.served["digits"].batchers
        assert max(b.largest for b in batchers.values()) > 1  # some requests did share a model call
    # the same numbers up to float32 rounding: a matrix product of more rows may sum in another order
    with client_for({"digits": digits_run}, window_s=0.0) as alone:
        for part, (encoded, scored) in zip(requests, together):
            single = alone.post("/encode", json={"x": part.tolist()}).json()
            assert set(single) == set(encoded)
            for key in single:
                close(encoded[key], single[key])
            close(scored["scores"]["reconstruction"],
                  alone.post("/score", json={"x": part.tolist(), "kind": "reconstruction"}).json()["scores"][
                      "reconstruction"])


def test_two_worker_processes_answer_as_one(digits_run: Path, model: vaekit.VAE, x: np.ndarray) -> None:
    """`vaekit serve --workers 2` as a user starts it: two processes on one port, each with its own copy of the
    run and one core's share of torch, answering with the in-process numbers."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "vaekit", "serve", str(digits_run), "--workers", "2", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "VAEKIT_TOKEN": ""})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        expected = score_many(model, x, ["reconstruction", "iw"], k=20, seed=0)
        for _ in range(4):  # answered by either process
            found = httpx.post(f"http://127.0.0.1:{port}/score", json={"x": x.tolist(), "kind": "reconstruction,iw",
                                                                       "k": 20}, timeout=30).json()
            for kind, value in expected.items():
                np.testing.assert_allclose(found["scores"][kind], value.numpy(), rtol=1e-5, atol=1e-6)
    finally:
        server.terminate()
        server.wait(30)
    assert "with 2 worker processes" in server.stderr.read().decode()


def test_impute_keeps_a_tables_fill_ins_within_its_training_ranges(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import vaekit.tasks.imputation as imputation
    from vaekit.data.dataset import Dataset

    rows = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    data = Dataset.from_arrays("table", rows, rows[:10], None, None, "vector", "in-memory array", missing=True)
    vaekit.train({"data": {"source": "table", "missing": "model"}, "model": {"latent_dim": 2, "hidden": [8]},
                  "train": {"epochs": 1}}, tmp_path / "run", progress=False, data=data, pictures=False)
    impute = imputation.impute

    def astray(*args, **kwargs):  # type: ignore[no-untyped-def]  # fill-ins far above every column's range
        filled = impute(*args, **kwargs)
        return torch.where(torch.isnan(args[1]), filled + 1e4, filled)
    monkeypatch.setattr(imputation, "impute", astray)
    gaps = rows[:4].copy()
    gaps[:, 1] = np.nan
    with client_for({"table": tmp_path / "run"}) as client:
        found = np.asarray(client.post("/impute", json={"x": np.where(np.isnan(gaps), None, gaps).tolist(),
                                                        "k": 10}).json()["x"], dtype=np.float32)
    assert np.array_equal(found[:, 1], np.full(4, rows[:, 1].max()))  # the training rows' top of column 1
    assert np.array_equal(found[:, [0, 2]], gaps[:, [0, 2]])
