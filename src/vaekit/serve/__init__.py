"""`vaekit serve`: trained runs behind an HTTP service (FastAPI on uvicorn, the optional `serve` extra).

    from vaekit.serve import create_app
    app = create_app({"digits": vaekit.Run.open("runs/digits")}, token=None, max_bytes=16 * 2**20)
    # uvicorn.run(app, host="127.0.0.1", port=8000)

Each run answers at /runs/NAME/{encode,decode,sample,reconstruct,score,impute} (the only run also at /encode ...);
GET /health, GET /runs, the OpenAPI docs at /docs, and the explorer's page at /. bodies.py reads and bounds
request bodies, handlers.py is the model work (plain numpy in and out), batcher.py joins concurrent requests into
one model call, app.py the routes, the token and the one-line JSON errors; explorer_routes.py and explorer.py the
explorer, its page in static/.
"""

from __future__ import annotations

from typing import Any

from vaekit.core.errors import VaekitError


def require_fastapi() -> None:
    """FastAPI and uvicorn, or one line saying how to install them."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise VaekitError("vaekit serve needs FastAPI and uvicorn: pip install vaekit[serve]") from None


def create_app(runs: dict[str, Any], token: str | None = None, max_bytes: int = 16 * 2**20,
               window_s: float = 0.005, max_rows: int = 1024) -> Any:
    """The FastAPI app serving `runs` ({name: vaekit Run, its model loaded}); see app.py."""
    require_fastapi()
    from vaekit.serve.app import build_app

    return build_app(runs, token, max_bytes, window_s, max_rows)


__all__ = ["create_app", "require_fastapi"]
