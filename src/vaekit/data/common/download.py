"""Download a file from a list of mirrors, atomically, and check its digest before anyone can read it.

    download(["https://a.org/x.gz", "http://b.org/x.gz"], cache / "mnist" / "x.gz", sha256="440f...")

The bytes go to a temporary file beside the destination, which is renamed into place (os.replace) only
after the SHA-256 (and MD5, where that is all the publisher gives) match, so an interrupted or tampered
download never looks like a good file on the next run.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vaekit.core.errors import DataError
from vaekit.core.progress import bars_drawn

TIMEOUT_S = 60.0
CHUNK_BYTES = 1 << 20
USER_AGENT = "vaekit-dataset-download"


def fetch(url: str, dest: Path, timeout: float = TIMEOUT_S) -> None:
    """Write the bytes at url (http, https or file) to dest, with a progress bar when tqdm is installed."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with _progress(total, url.rsplit("/", 1)[-1]) as bar:
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                bar.update(len(chunk))


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def download(urls: Sequence[str], dest: Path, sha256: str | None, md5: str | None = None,
             timeout: float = TIMEOUT_S) -> Path:
    """Fetch dest.name from the first mirror that answers; a digest mismatch deletes the file and raises.

    A None digest is not checked. Mirrors are tried in order only when one cannot be reached: a file that
    arrives with the wrong digest stops the download, because it means corruption or tampering.
    """
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create {dest.parent} for the download: {error.strerror or error}") from None
    failures = []
    for url in urls:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(handle)
        tmp = Path(tmp_name)
        try:
            try:
                fetch(url, tmp, timeout)
            except (OSError, http.client.HTTPException, ValueError) as error:  # URLError, timeouts: OSError
                failures.append(f"{url} ({_reason(error)})")
                continue
            for algorithm, expected in (("sha256", sha256), ("md5", md5)):
                if expected is not None and (actual := file_digest(tmp, algorithm)) != expected.lower():
                    raise DataError(f"download of {url} has {algorithm} {actual}, expected {expected}; "
                                    f"the file was deleted: try again later or put a good copy in "
                                    f"{dest.parent}")
            os.replace(tmp, dest)
            return dest
        finally:
            tmp.unlink(missing_ok=True)
    raise DataError(f"could not download {dest.name}: {'; '.join(failures)}; check the network or put "
                    f"the file in {dest.parent} by hand")


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
    return " ".join(str(reason).split())  # keep the DataError on one line


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _progress(total: int | None, label: str) -> Any:
    """A tqdm bar on a terminal, or a stand-in with the same methods where tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    # bars_drawn, as every other bar: none into a log or a pipe, and none when there is no stderr at all
    return tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, leave=False,
                disable=not bars_drawn())
