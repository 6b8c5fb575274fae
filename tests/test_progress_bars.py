"""Progress bars only on a terminal: every bar vaekit draws asks vaekit.core.progress.bars_drawn, so logs and CI get
plain lines (training's per-epoch lines are checked in test_messages.py)."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

import vaekit
from vaekit.core.progress import bars_drawn
from vaekit.data.common.download import _progress

SRC = Path(vaekit.__file__).resolve().parent


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_every_bar_in_vaekit_is_drawn_only_where_bars_drawn_says() -> None:
    with_bars = [path for path in SRC.rglob("*.py") if re.search(r"\btqdm\(", path.read_text())]
    assert {path.name for path in with_bars} >= {"epoch.py", "importance.py", "compute.py", "download.py"}
    for path in with_bars:
        assert "bars_drawn()" in path.read_text(), f"{path.relative_to(SRC)} draws a bar without bars_drawn()"


@pytest.mark.parametrize("stream", [io.StringIO(), None], ids=["a log file", "no stderr"])
def test_a_download_draws_no_bar_into_a_log_or_without_stderr(monkeypatch, stream) -> None:
    monkeypatch.setattr(sys, "stderr", stream)
    assert not bars_drawn()
    with _progress(1000, "file.gz") as bar:
        bar.update(500)
        assert bar.disable
    assert stream is None or stream.getvalue() == ""


def test_a_download_on_a_terminal_draws_its_bar(monkeypatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _progress(1000, "file.gz") as bar:
        bar.update(500)
        assert not bar.disable
    assert "file.gz" in terminal.getvalue() and "\r" in terminal.getvalue()
