"""Why a path given for a file (or a folder) cannot be used, in words: "does not exist" is wrong for a folder given
where a file was asked for, and sends the user looking for a file that is there.

    if not path.is_file():
        raise DataError(f"config file {unusable(path)}")   # "config file /tmp is a folder, not a file"
"""

from __future__ import annotations

from pathlib import Path


def unusable(path: str | Path, want: str = "file") -> str:
    """`path` and what is wrong with it for a `want` ("file" or "folder"): missing, or the other of the two."""
    path = Path(path)
    if want == "file" and path.is_dir():
        return f"{path} is a folder, not a file"
    if want == "folder" and path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder"
    if path.exists() and not path.is_file() and not path.is_dir():
        return f"{path} is not a file (a pipe, a device or a socket)"
    return f"{path} does not exist"
