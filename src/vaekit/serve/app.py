"""The FastAPI app: routes per run, the API token, the size limit, and one-line JSON errors for every failure
({"error": "..."} with 400, 401, 404, 413 or 422; a fault of the service itself is a 500 with no traceback)."""

from __future__ import annotations

import asyncio
import hmac
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from fastapi import FastAPI, Request  # this module is imported only once require_fastapi() found them
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from vaekit.core.errors import VaekitError
from vaekit.core.registry import LIKELIHOODS
from vaekit.serve import handlers
from vaekit.serve.batcher import MicroBatcher
from vaekit.serve.bodies import ServeError, array_field, as_json, flag_field, number_field, read_body
from vaekit.serve.explorer_routes import PAGE_PATHS, add_explorer

ENDPOINTS = ("encode", "decode", "sample", "reconstruct", "score", "impute")
OPEN_PATHS = ("/health", "/docs", "/openapi.json", "/redoc", "/docs/oauth2-redirect", *PAGE_PATHS)


class Served:
    """One run behind the service: its model, a lock (one model call at a time: torch's own threads do the
    parallel work), the thread its model calls run on, and a batcher per joinable endpoint and settings.

    Every model call of the service runs on one thread (`worker`, shared by the runs): OpenMP and glibc's malloc
    keep their pools per calling thread, and with asyncio's default threads taking turns the server's memory grew
    by about 140 MB in the first 10 s of bench/serve_load.py, against 23 to 56 MB from one thread."""

    def __init__(self, name: str, run: Any, window_s: float, max_rows: int, worker: ThreadPoolExecutor) -> None:
        self.name, self.run, self.model = name, run, run.model
        self.window_s, self.max_rows, self.worker = window_s, max_rows, worker
        self.lock = threading.Lock()
        self.batchers: dict[tuple[Any, ...], MicroBatcher] = {}
        self.exploration: Any = None  # the explorer's view of its test split, made on first use

    def locked(self, work: Any, *args: Any) -> Any:
        with self.lock:
            return work(self.model, *args)

    async def call(self, work: Any, *args: Any) -> Any:
        """work(model, *args) in a worker thread, the event loop free meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, self.locked, work, *args)

    async def joined(self, key: tuple[Any, ...], work: Any, x: np.ndarray, *args: Any) -> Any:
        """work(model, x_joined, *args) for x and the requests of the same key arriving with it."""
        if key not in self.batchers:
            self.batchers[key] = MicroBatcher(lambda rows: self.locked(work, rows, *args), self.window_s,
                                              self.max_rows, self.worker)
        return await self.batchers[key].submit(x)

    def metadata(self) -> dict[str, Any]:
        """What a client needs to send: the data's kind and shape, the likelihood and the score kinds."""
        model, info = self.model, self.run.data_info or {}
        return {"name": self.name, "path": str(self.run.path), "data_kind": info.get("kind", model.data_kind),
                "shape": list(model.data_shape), "latent_dim": model.latent_dim,
                "likelihood": LIKELIHOODS.name_of(model.likelihood) or type(model.likelihood).__name__,
                "score_kinds": handlers.default_kinds(model, None),
                "map_kinds": [name for name in handlers.default_kinds(model, None) if handlers.SCORES.get(name).maps],
                "num_classes": model.num_classes, "columns": info.get("columns"),
                "class_names": info.get("class_names")}


async def answer(served: Served, endpoint: str, fields: dict[str, Any]) -> dict[str, Any]:
    """One endpoint's work on a request's fields: checks first (a 400 before any model work), then the model."""
    model = served.model
    if endpoint == "sample":
        n, seed = number_field(fields, "n", 1), number_field(fields, "seed", 0)
        y = handlers.labels(model, fields.get("y"), n) if isinstance(n, int) and n > 0 else None
        return await served.call(handlers.sample, n, seed, y)
    if endpoint == "decode":
        z = array_field(fields, "z")
        y = handlers.labels(model, fields.get("y"), len(z) if z.ndim else 0)
        return await served.call(handlers.decode, z, y)
    x_raw = array_field(fields, "x")
    count = len(x_raw) if x_raw.ndim else 0
    if endpoint == "impute":
        x = handlers.checked_x(model, x_raw, missing=True)
        y = handlers.labels(model, fields.get("y"), count)
        k, iterations = number_field(fields, "k", None), number_field(fields, "iterations", 100)
        return await served.call(handlers.impute, x, str(fields.get("method", "importance")), k, iterations,
                                 number_field(fields, "seed", 0), y, (served.run.data_info or {}).get("column_ranges"))
    x = handlers.checked_x(model, x_raw)
    y = handlers.labels(model, fields.get("y"), count)
    if endpoint == "encode":
        return await (served.call(handlers.encode, x, y) if y is not None else
                      served.joined(("encode",), handlers.encode, x))
    if endpoint == "reconstruct":
        return await (served.call(handlers.reconstruct, x, y) if y is not None else
                      served.joined(("reconstruct",), handlers.reconstruct, x))
    names, mapped = handlers.score_kinds(model, fields.get("kind"), flag_field(fields, "map"))
    k, seed = number_field(fields, "k", 100), number_field(fields, "seed", 0)
    handlers.check_settings(k, seed)
    if y is None and handlers.deterministic(names):
        found = await served.joined(("score", tuple(names), tuple(mapped)), handlers.score, x, names, mapped, k,
                                    seed)
    else:
        found = await served.call(handlers.score, x, names, mapped, k, seed, y)
    return found if mapped else {"scores": found["scores"]}


def build_app(runs: dict[str, Any], token: str | None, max_bytes: int, window_s: float, max_rows: int) -> Any:
    """The FastAPI app serving `runs` ({name: Run with its model loaded}): see vaekit.serve."""
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vaekit-model")
    served = {name: Served(name, run, window_s, max_rows, worker) for name, run in runs.items()}
    app = FastAPI(title="vaekit", description="Trained vaekit runs: encode, decode, sample, reconstruct, score "
                  "and impute. Bodies are JSON objects ({\"x\": [[...], ...]}) or .npy arrays "
                  "(Content-Type: application/octet-stream, the other fields as query parameters).")
    app.state.served = served

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)

    @app.exception_handler(ServeError)
    async def _serve_error(request: Request, failure: ServeError) -> JSONResponse:
        return error(failure.status, failure.message)

    @app.exception_handler(VaekitError)
    async def _vaekit_error(request: Request, failure: VaekitError) -> JSONResponse:
        return error(400, str(failure))

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, failure: RequestValidationError) -> JSONResponse:
        return error(422, f"malformed request: {failure.errors()[0].get('msg', 'see /docs')}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, failure: HTTPException) -> JSONResponse:
        return error(failure.status_code, f"{failure.detail}: {request.method} {request.url.path} (see /docs)")

    @app.exception_handler(Exception)
    async def _fault(request: Request, failure: Exception) -> JSONResponse:  # never a traceback to the client
        return error(500, f"the service failed on this request ({type(failure).__name__}); its log says more")

    @app.middleware("http")
    async def _token(request: Request, call_next: Any) -> Any:
        if token is not None and request.url.path not in OPEN_PATHS:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
                return error(401, "this service needs its API token: send the header Authorization: Bearer TOKEN")
        return await call_next(request)

    def find(name: str) -> Served:
        if name not in served:
            raise ServeError(404, f"no run named {name!r} here: GET /runs lists {', '.join(sorted(served))}")
        return served[name]

    @app.get("/health")
    async def health() -> dict[str, Any]:
        """Whether the service is up, and the runs it serves."""
        return {"status": "ok", "runs": sorted(served)}

    @app.get("/runs")
    async def list_runs() -> dict[str, Any]:
        """Each run's metadata: data kind and shape, likelihood, latent size, score kinds and map kinds."""
        return {"runs": [one.metadata() for one in served.values()]}

    @app.get("/runs/{name}")
    async def run_metadata(name: str) -> dict[str, Any]:
        """One run's metadata."""
        return find(name).metadata()

    def route(endpoint: str, single: bool) -> None:
        array = "z" if endpoint == "decode" else "x"

        async def by_name(name: str, request: Request) -> JSONResponse:
            fields = await read_body(request, max_bytes, array)
            return JSONResponse(as_json(await answer(find(name), endpoint, fields)))

        async def only(request: Request) -> JSONResponse:
            return await by_name(next(iter(served)), request)

        summary = DESCRIPTIONS[endpoint]
        app.post(f"/runs/{{name}}/{endpoint}", summary=summary, name=f"{endpoint} (by name)")(by_name)
        if single:
            app.post(f"/{endpoint}", summary=summary, name=endpoint)(only)

    for endpoint in ENDPOINTS:
        route(endpoint, len(served) == 1)
    add_explorer(app, find, max_bytes)
    return app


DESCRIPTIONS = {
    "encode": "q(z|x): {\"x\": [...]} -> {\"mean\", \"scale\"} per example",
    "decode": "p(x|z)'s mean: {\"z\": [...]} -> {\"x\"}",
    "sample": "new examples: {\"n\": 8, \"seed\": 0} -> {\"x\"}",
    "reconstruct": "the mean decoded at the posterior mean: {\"x\": [...]} -> {\"x\"}",
    "score": "anomaly scores: {\"x\", \"kind\": \"iw,rate\", \"k\": 100, \"seed\": 0, \"map\": true} -> "
             "{\"scores\": {kind: [...]}, \"maps\": {kind: [...]}}",
    "impute": "NaN (JSON null) entries filled: {\"x\", \"method\": \"importance\", \"k\", \"seed\"} -> {\"x\"}",
}
