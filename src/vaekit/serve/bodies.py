"""Request bodies: JSON objects ({"x": nested list, ...}) or a .npy array (application/octet-stream), bounded in
size before and while they are read, turned into numpy arrays with one-line errors."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

NPY_TYPES = ("application/octet-stream", "application/x-npy", "application/npy")


class ServeError(Exception):
    """A bad request: its HTTP status and one line saying what is wrong and what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_bytes(request: Any, max_bytes: int) -> bytes:
    """The request's body; 413 past max_bytes (told by Content-Length or by the bytes read)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise ServeError(413, f"the request body has {int(declared)} bytes, over this service's limit of "
                         f"{max_bytes} (--max-bytes): send fewer examples per request")
    body = bytearray()
    async for part in request.stream():  # counted as it arrives: a body without Content-Length is bounded too
        body.extend(part)
        if len(body) > max_bytes:
            raise ServeError(413, f"the request body is over this service's limit of {max_bytes} bytes "
                             "(--max-bytes): send fewer examples per request")
    return bytes(body)


async def read_body(request: Any, max_bytes: int, array_field: str = "x") -> dict[str, Any]:
    """The request's fields: a JSON object as sent, or a .npy body as {array_field: array} with the query
    parameters beside it (kind=iw&k=100). 413 past max_bytes, 422 for a body that is neither."""
    body = await read_bytes(request, max_bytes)
    fields: dict[str, Any] = dict(request.query_params)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in NPY_TYPES:
        fields[array_field] = _npy(body)
        return fields
    if not body:
        return fields
    try:
        found = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ServeError(422, "the body is neither JSON nor a .npy array: send JSON ({\"x\": [[...], ...]}) or a "
                         ".npy file with Content-Type: application/octet-stream") from None
    if not isinstance(found, dict):
        raise ServeError(422, f"the JSON body must be an object such as {{\"{array_field}\": [[...], ...]}}, "
                         f"got {type(found).__name__}")
    return {**fields, **found}


def _npy(data: bytes) -> np.ndarray:
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        raise ServeError(422, "the body is not a readable .npy array (numpy.save's format, no pickled objects)"
                         ) from None


def array_field(fields: dict[str, Any], name: str) -> np.ndarray:
    """fields[name] as a float32 numpy array (JSON null is NaN, a missing value); 400 when it is absent, ragged
    or not numbers."""
    if name not in fields:
        raise ServeError(400, f"the request has no \"{name}\": send {{\"{name}\": [[...], ...]}}, a batch of "
                         "examples, or a .npy body")
    value = fields[name]
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise ServeError(400, f"{name} must hold numbers, got a .npy array of dtype {value.dtype}")
        return value.astype(np.float32, copy=False)
    try:
        found = np.array(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise ServeError(400, f"{name} must be a nested list of numbers with equal lengths at each depth "
                         "(null for a missing value)") from None
    return found.astype(np.float32)


def number_field(fields: dict[str, Any], name: str, default: Any, kind: type = int) -> Any:
    """An optional number (from JSON or a query string), as `kind`; 400 when it is not one."""
    value = fields.get(name, default)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return kind(value)
    except (ValueError, TypeError):
        raise ServeError(400, f"{name} must be a {'whole number' if kind is int else 'number'}, got {value!r}"
                         ) from None


def flag_field(fields: dict[str, Any], name: str) -> bool:
    """An optional true/false (JSON true, or ?map=true)."""
    value = fields.get(name, False)
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no", ""):
        return False
    raise ServeError(400, f"{name} must be true or false, got {value!r}")


def as_json(found: Any) -> Any:
    """Arrays as nested lists, NaN and infinity as null (JSON has neither)."""
    if isinstance(found, dict):
        return {key: as_json(value) for key, value in found.items()}
    values = np.asarray(found, dtype=np.float64)
    return np.where(np.isfinite(values), values, None).tolist() if values.ndim else \
        (float(values) if np.isfinite(values) else None)
