"""Keeping freed tensor memory in the process during CPU training (glibc only).

Every training step allocates and frees the same few megabytes of activations and gradients. By default glibc
serves allocations that large with fresh mmap calls and hands freed memory back to the kernel, so each step pays
system calls, page faults and cold caches again; on the classic MLP at batch 1024 that is 15-20% of an epoch.
Raising the mmap and trim thresholds (what LD_PRELOAD'ing jemalloc or tcmalloc achieves, as PyTorch's CPU
performance guide recommends) lets glibc reuse that memory. It changes only when memory is returned to the
operating system, never what a computation gives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # glibc's upper limit for M_MMAP_THRESHOLD on 64-bit systems
TRIM_THRESHOLD = 1024 * 1024 * 1024


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once per process; True when it took effect.

    Set VAEKIT_KEEP_MALLOC_DEFAULTS=1 to leave the allocator alone.
    """
    if os.environ.get("VAEKIT_KEEP_MALLOC_DEFAULTS"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt, Windows)
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
