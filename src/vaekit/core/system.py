"""Facts about the machine vaekit runs on, asked where a decision needs them (callers read them through this
module, `system.host_memory()`, so that a test can stand in for a smaller machine)."""

from __future__ import annotations

import os
from pathlib import Path


def host_memory() -> int | None:
    """Physical memory, or the container's limit (cgroup v2 or v1) when that is lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total
