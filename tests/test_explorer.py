"""The explorer's JSON (vaekit.serve.explorer) through FastAPI's test client: the scatter is the model's codes, a
decoded point, an example and an upload are the model's own numbers, a table's columns are shares of the real and
drawn rows, the page and its files are served without the network, and every bad request gets a one-line 4xx."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tests.conftest import invoke

import vaekit
from vaekit.runs.run import Run
from vaekit.tasks.scoring import default_kinds, score_many

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from vaekit.serve import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(digits_run: Path, penguin_runs: dict[str, Path]):  # type: ignore[no-untyped-def]
    runs = {"digits": digits_run, **penguin_runs}
    with TestClient(create_app({name: Run.open(path) for name, path in runs.items()}, max_bytes=4096),
                    raise_server_exceptions=False) as one:
        yield one


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def blank_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


HUGE_PNG = blank_png(5000, 4000)  # 20 million pixels in 2.5 kB: refused from its header, never decoded


def close(found: object, expected: object) -> None:
    np.testing.assert_allclose(np.asarray(found, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=1e-5, atol=1e-6)


def test_the_scatter_is_the_models_codes_of_the_test_split(client: TestClient, digits_run: Path) -> None:
    view = client.get("/runs/digits/explorer").json()
    test_x = vaekit.load_dataset("digits").test_x
    model = vaekit.load(digits_run)
    with torch.no_grad():
        codes = model.encode(test_x).mean
    assert view["count"] == len(test_x) == len(view["xy"]) and view["split"] == "test"
    close(view["z"], codes)
    close(view["xy"], codes)  # two latent dimensions: the plane is the code itself
    assert view["axes"] == [[1.0, 0.0], [0.0, 1.0]] and view["labels"][:5] == \
        vaekit.load_dataset("digits").test_y[:5].tolist()
    assert view["form"] == "image" and view["order_by"] == "KL"
    kl = [dim["kl"] for dim in view["dims"]]
    assert kl == sorted(kl, reverse=True) and {dim["index"] for dim in view["dims"]} == {0, 1}
    assert all(dim["low"] == -3.0 and dim["high"] == 3.0 for dim in view["dims"])  # N(0, I) +- 3 sd


def test_more_dimensions_are_projected_on_principal_axes(client: TestClient, penguin_runs: dict[str, Path]) -> None:
    view = client.get("/runs/plain/explorer").json()
    codes, axes = np.asarray(view["z"]), np.asarray(view["axes"])
    close(axes @ axes.T, np.eye(2))  # orthonormal
    close(view["center"], codes.mean(0))
    close(view["xy"], (codes - codes.mean(0)) @ axes.T)
    # the plane is the directions of largest spread: no other unit direction spreads the codes more
    spread = np.var((codes - codes.mean(0)) @ axes[0])
    assert spread >= np.var((codes - codes.mean(0)) @ (np.ones(3) / np.sqrt(3))) - 1e-9


def test_decoded_points_and_examples_are_the_models(client: TestClient, digits_run: Path) -> None:
    model = vaekit.load(digits_run)
    z = [[0.5, -1.0], [0.0, 0.0]]
    found = client.post("/runs/digits/explorer/decode", json={"z": z}).json()
    with torch.no_grad():
        close(found["values"], model.decode(torch.tensor(z)).mean)
        x = vaekit.load_dataset("digits").test_x[3:4]
        example = client.get("/runs/digits/explorer/examples/3").json()
        close(example["input"]["values"], x)
        close(example["reconstruction"]["values"], model.reconstruct(x))
    assert found["form"] == "image" and found["unit"] is True


def test_table_rows_are_shown_in_their_own_values(client: TestClient) -> None:
    for name in ("plain", "coded"):
        found = client.get(f"/runs/{name}/explorer/examples/0").json()["input"]
        assert found["form"] == "rows" and found["columns"][:2] == ["species", "island"]
        assert found["rows"][0][0] in ("Adelie", "Chinstrap", "Gentoo") and isinstance(found["rows"][0][2], float)


def test_an_uploaded_image_gets_the_in_process_scores_and_a_map(client: TestClient, digits_run: Path) -> None:
    pixels = (np.random.default_rng(0).random((8, 8)) * 255).astype(np.uint8)
    found = client.post("/runs/digits/explorer/upload?name=mine.png", content=png(pixels)).json()
    model = vaekit.load(digits_run)
    x = (pixels / 255.0).astype(np.float32)[None, None]
    expected = score_many(model, x, default_kinds(model, None), k=100, seed=0)
    assert found["count"] == 1 and set(found["scores"]) == set(expected)
    for kind, value in expected.items():
        close(found["scores"][kind], value)
    close(found["input"]["values"], x)
    with torch.no_grad():
        close(found["reconstruction"]["values"], model.reconstruct(torch.as_tensor(x)))
    assert np.asarray(found["map"]["values"]).shape == (1, 8, 8)
    assert np.abs(found["map"]["values"]).sum() > 0


def test_an_uploaded_table_row_is_read_as_the_run_reads_its_table(client: TestClient) -> None:
    for name in ("plain", "coded"):
        row = client.get(f"/runs/{name}/explorer").json()["example_csv"]
        header, values = row.splitlines()
        assert header.startswith("species,island,bill_length_mm") and values.split(",")[0] in ("Adelie", "Gentoo",
                                                                                                "Chinstrap")
        found = client.post(f"/runs/{name}/explorer/upload?name=row.csv", content=row.encode()).json()
        assert found["count"] == 1 and found["input"]["rows"][0][:2] == values.split(",")[:2]
        assert all(np.isfinite(value[0]) for value in found["scores"].values())
        assert len(found["map"]["values"][0]) == len(found["input"]["columns"])  # one share per column


def test_columns_compare_real_and_synthetic_rows(client: TestClient) -> None:
    found = client.get("/runs/plain/explorer/columns").json()
    assert found["rows"][1] == 1000
    by_name = {column["name"]: column for column in found["columns"]}
    assert by_name["species"]["type"] == "levels" and by_name["bill_length_mm"]["type"] == "numbers"
    for column in found["columns"]:
        assert np.isclose(sum(column["real"]), 1) and np.isclose(sum(column["synthetic"]), 1)
    assert found["rows"][0] == len(client.get("/runs/plain/explorer").json()["z"])  # the test rows
    species = by_name["species"]
    assert species["real"][0] == max(species["real"])  # levels in the test rows' order of frequency


def test_the_page_and_its_files_need_no_network(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/explorer/") or source.startswith("data:") for source in sources)
    for source in sources:
        if source.startswith("/"):
            assert client.get(source).status_code == 200
    script = client.get("/explorer/explorer.js").text
    assert "http://" not in script.replace("http://www.w3.org/2000/svg", "") and "https://" not in script


@pytest.mark.parametrize("request_, status, message", [
    (("post", "/runs/digits/explorer/upload?name=a.exe", b"MZ"), 400, r"upload a file ending in"),
    (("post", "/runs/digits/explorer/upload?name=a.npz", b"PK"), 400, r"upload a file ending in"),  # compressed
    (("post", "/runs/digits/explorer/upload?name=huge.png", HUGE_PNG), 400, r"^huge\.png has 5000x4000 pixels"),
    (("post", "/runs/digits/explorer/upload?name=a.png", b"not a png"), 400, r"^cannot read image a\.png"),
    (("post", "/runs/digits/explorer/upload?name=a.png", b""), 400, r"the upload is empty"),
    (("post", "/runs/digits/explorer/upload?name=big.png", b"0" * 5000), 413, r"over this service's limit"),
    (("post", "/runs/plain/explorer/upload?name=row.csv", b"a,b\n1,2\n"), 400, r"column|columns"),
    (("post", "/runs/digits/explorer/decode", b'{"z": [[1, 2, 3]]}'), 400, r"latent"),
    (("post", "/runs/digits/explorer/decode", b'{"z": ' + str([[0, 0]] * 65).encode() + b"}"), 400,
     r"at most 64 codes"),
    (("get", "/runs/digits/explorer/examples/9999", None), 400, r"example must be 0\.\.179"),
    (("get", "/runs/digits/explorer/columns", None), 400, r"for tables"),
    (("get", "/runs/nope/explorer", None), 404, r"no run named 'nope'"),
    (("get", "/explorer/secret.py", None), 404, r"no explorer file"),
])
def test_bad_requests_get_one_line_errors(client: TestClient, request_: tuple, status: int, message: str) -> None:
    method, path, body = request_
    found = client.request(method, path, content=body)
    assert found.status_code == status, found.text
    error = found.json()["error"]
    assert re.search(message, error) and "\n" not in error and "vaekit-upload-" not in error


def test_with_a_token_the_page_is_open_and_its_data_are_not(digits_run: Path) -> None:
    with TestClient(create_app({"digits": Run.open(digits_run)}, token="s3cret")) as client:
        assert client.get("/").status_code == 200 and client.get("/explorer/explorer.css").status_code == 200
        assert client.get("/runs/digits/explorer").status_code == 401
        assert client.get("/runs/digits/explorer", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_a_conditional_run_decodes_scores_and_draws_in_the_class_asked_for(tmp_path: Path) -> None:
    run = tmp_path / "cvae"
    code, output = invoke("train", "--data", "digits", "--conditional", "--latent-dim", "2", "--hidden", "32",
                          "--epochs", "1", "--out", str(run), "--quiet")
    assert code == 0, output
    model = vaekit.load(run)
    data = vaekit.load_dataset("digits")
    with TestClient(create_app({"cvae": Run.open(run)}), raise_server_exceptions=False) as client:
        view = client.get("/runs/cvae/explorer").json()
        with torch.no_grad():  # each test digit encoded with its own label
            close(view["z"], model.encode(data.test_x, data.test_y).mean)
        assert view["classes"] == [str(d) for d in range(10)]
        z = [[0.0, 0.0], [1.0, -1.0]]
        found = client.post("/runs/cvae/explorer/decode", json={"z": z, "y": [3, 7]}).json()
        with torch.no_grad():
            close(found["values"], model.decode(torch.tensor(z), torch.tensor([3, 7])).mean)
        missing = client.post("/runs/cvae/explorer/decode", json={"z": z})
        assert missing.status_code == 400 and 'send "y"' in missing.json()["error"]
        pixels = (np.random.default_rng(0).random((8, 8)) * 255).astype(np.uint8)
        scored = client.post("/runs/cvae/explorer/upload?name=a.png&y=4", content=png(pixels)).json()
        x = (pixels / 255.0).astype(np.float32)[None, None]
        expected = score_many(model, x, default_kinds(model, None), k=100, seed=0, y=torch.tensor([4]))
        for kind, value in expected.items():
            close(scored["scores"][kind], value)
        assert client.post("/runs/cvae/explorer/upload?name=a.png&y=12", content=png(pixels)).status_code == 400


def test_a_long_vector_is_drawn_as_a_line_and_one_code_still_has_a_plane(tmp_path: Path) -> None:
    from vaekit.serve.explorer import _projection, shown

    np.save(tmp_path / "vectors.npy", vaekit.load_dataset("digits").train_x.flatten(1).numpy())
    code, output = invoke("train", "--data", tmp_path / "vectors.npy", "--latent-dim", "3", "--hidden", "16",
                          "--epochs", "1", "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    run = Run.open(tmp_path / "run")
    found = shown(run, torch.rand(2, 64))  # 64 entries: a line over them, not a 64-column table
    assert found["form"] == "series" and np.asarray(found["values"]).shape == (2, 64, 1)
    assert shown(run, torch.rand(1, 64))["values"][0][5][0] is not None
    center, axes = _projection(np.ones((1, 5)))  # one example: no spread, the first two axes
    assert axes.shape == (2, 5) and np.allclose(axes @ axes.T, np.eye(2))
