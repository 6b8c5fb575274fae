"""The explorer's routes: the page at / with its script and style (served by vaekit: no network is needed), and
the JSON it reads under /runs/NAME/explorer (explorer.py does the model work).

    GET  /                                   the page (a run picker when several are served)
    GET  /runs/NAME/explorer                 scatter, projection, sliders (computed on first use, then kept)
    GET  /runs/NAME/explorer/examples/I      point I's input and reconstruction
    POST /runs/NAME/explorer/decode          {"z": [[...], ...], "y": [...]} -> what the codes decode to
    POST /runs/NAME/explorer/upload?name=F   a file's bytes -> reconstruction, scores, per-entry map (&y=C: a class)
    GET  /runs/NAME/explorer/columns         a table's columns, real against synthetic
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from vaekit.serve.bodies import ServeError, array_field, number_field, read_body, read_bytes
from vaekit.serve.explorer import Exploration, decoded, uploaded

ASSETS = {"explorer.js": "text/javascript", "explorer.css": "text/css"}
PAGE_PATHS = ("/", *(f"/explorer/{name}" for name in ASSETS))  # open without the token: they hold no data


def asset(name: str) -> str:
    return resources.files("vaekit.serve").joinpath("static", name).read_text(encoding="utf-8")


def add_explorer(app: Any, find: Any, max_bytes: int) -> None:
    """The explorer's routes on `app`; find(name) is the Served run of that name (a 404 when there is none)."""

    async def exploration(name: str) -> Exploration:
        served = find(name)

        def made(model: Any) -> Exploration:  # on the model's one thread, under its lock: made once
            if served.exploration is None:
                served.exploration = Exploration(served.run)
            return served.exploration

        return served.exploration or await served.call(made)

    @app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(asset("index.html"))

    @app.get("/explorer/{file}", include_in_schema=False)
    async def static(file: str) -> Response:
        if file not in ASSETS:
            raise ServeError(404, f"no explorer file {file!r}")
        return Response(asset(file), media_type=ASSETS[file])

    @app.get("/runs/{name}/explorer", summary="the explorer's scatter, projection and sliders for a run")
    async def view(name: str) -> JSONResponse:
        return JSONResponse((await exploration(name)).view())

    @app.get("/runs/{name}/explorer/examples/{index}", summary="one scatter point's input and reconstruction")
    async def example(name: str, index: int) -> JSONResponse:
        state = await exploration(name)
        return JSONResponse(await find(name).call(lambda model: state.example(index)))

    @app.post("/runs/{name}/explorer/decode", summary="codes -> their decodings, as the explorer draws them")
    async def decode(name: str, request: Request) -> JSONResponse:
        served = find(name)
        fields = await read_body(request, max_bytes, "z")
        z = array_field(fields, "z")
        return JSONResponse(await served.call(lambda model: decoded(served.run, z, fields.get("y"))))

    @app.post("/runs/{name}/explorer/upload", summary="a file (?name=photo.png) -> reconstruction, scores, map")
    async def upload(name: str, request: Request) -> JSONResponse:
        served = find(name)
        data, file = await read_bytes(request, max_bytes), request.query_params.get("name", "")
        if not data:
            raise ServeError(400, "the upload is empty: send the file's bytes as the body, its name as ?name=")
        y = number_field(dict(request.query_params), "y", None)  # the class, for a run with classes
        return JSONResponse(await served.call(lambda model: uploaded(served.run, data, file, y)))

    @app.get("/runs/{name}/explorer/columns", summary="a table's columns, real rows against synthetic ones")
    async def columns(name: str) -> JSONResponse:
        state = await exploration(name)
        return JSONResponse(await find(name).call(lambda model: state.columns()))
