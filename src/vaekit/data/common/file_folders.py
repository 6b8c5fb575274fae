"""A folder of example files (images, recordings): loose files, or one subfolder per class.

    files, labels, class_names = labelled_files(Path("shapes"), (".png",), "images")
    # [shapes/circle/a.png, ...], [0, ..., 1, ...], ["circle", "square"]   (labels None for loose files)

Hidden files and folders are skipped; the order is that of the sorted names, so ids and labels are stable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError


def files_in(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The sorted files directly in `folder` whose suffix (any case) is one of `suffixes`."""
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in suffixes
                  and path.is_file() and not path.name.startswith("."))


def labelled_files(folder: Path, suffixes: tuple[str, ...], what: str, missing: str | None = None
                   ) -> tuple[list[Path], np.ndarray | None, list[str] | None]:
    """(files, labels or None, class names or None): the files directly inside (unlabelled), or those of each
    class subfolder (labelled by the subfolder's sorted position). `what` names the files in errors ("images");
    `missing` is the error's text when there are none (default: `<folder> has no <suffixes> <what>, ...`)."""
    loose = files_in(folder, suffixes)
    classes = [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.name.startswith(".")]
    classes = [sub for sub in classes if files_in(sub, suffixes)]
    if loose and classes:
        raise DataError(f"{folder} has {what} both directly inside and in subfolders ({classes[0].name}/ ...); put "
                        f"every one in a class subfolder, or none")
    if loose:
        return loose, None, None
    if not classes:
        raise DataError(missing or f"{folder} has no {'/'.join(suffixes)} {what}, directly or in class subfolders")
    files, labels = [], []
    for label, sub in enumerate(classes):
        found = files_in(sub, suffixes)
        files += found
        labels += [label] * len(found)
    return files, np.array(labels, dtype=np.int64), [sub.name for sub in classes]
