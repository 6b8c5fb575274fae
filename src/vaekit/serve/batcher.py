"""Joining concurrent requests: the examples of requests arriving within a few milliseconds (up to a maximum of
rows) go to the model in one call, and each request gets its own rows of the answer back.

    batcher = MicroBatcher(lambda x: handlers.encode(model, x), window_s=0.005, max_rows=1024)
    answer = await batcher.submit(x)          # in a request handler: {"mean": (len(x), d), ...}

Inputs are checked before they are submitted, so one bad request never fails the others of its call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np


def split_rows(found: Any, sizes: list[int]) -> list[Any]:
    """A nested dict of arrays (leading axis: the rows of all requests) cut back into one per request."""
    if isinstance(found, dict):
        parts = {key: split_rows(value, sizes) for key, value in found.items()}
        return [{key: parts[key][i] for key in found} for i in range(len(sizes))]
    edges = np.cumsum(sizes)[:-1]
    return list(np.split(found, edges))


class MicroBatcher:
    """Collects submitted arrays for `window_s` (or until `max_rows` rows), then runs `call` on them joined, in a
    worker thread (of `executor`, given). `calls` and `largest` count the model calls and the most requests one
    call took."""

    def __init__(self, call: Callable[[np.ndarray], Any], window_s: float = 0.005, max_rows: int = 1024,
                 executor: Executor | None = None) -> None:
        self.call = call
        self.executor = executor  # where the call runs (None: asyncio's default threads)
        self.window_s = window_s
        self.max_rows = max_rows
        self.calls = 0
        self.largest = 0
        self._pending: list[tuple[np.ndarray, asyncio.Future[Any]]] = []
        self._rows = 0
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak references to tasks

    async def submit(self, x: np.ndarray) -> Any:
        """This request's share of the joined call's answer (or the call's error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if self._pending and self._rows + len(x) > self.max_rows:
            self._flush()  # the rows waiting go now; this request starts the next call
        self._pending.append((x, future))
        self._rows += len(x)
        if self._rows >= self.max_rows:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.window_s, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, self._pending, self._rows = self._pending, [], 0
        if items:
            task = asyncio.ensure_future(self._run(items))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, items: list[tuple[np.ndarray, asyncio.Future[Any]]]) -> None:
        self.calls += 1
        self.largest = max(self.largest, len(items))
        try:
            joined = np.concatenate([x for x, _ in items])
            found = await asyncio.get_running_loop().run_in_executor(self.executor, self.call, joined)
            parts = split_rows(found, [len(x) for x, _ in items])
        except Exception as error:  # the call's error goes to every request that waited on it
            for _, future in items:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), part in zip(items, parts):
            if not future.done():
                future.set_result(part)
