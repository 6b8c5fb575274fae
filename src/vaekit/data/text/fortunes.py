"""The named source "fortunes": Debian's fortunes package (`apt-get install fortunes`) as a small English corpus.

    ds = load_dataset("fortunes")                    # the entries of at most 30 tokens, ids "file:number"
    ds = load_dataset("fortunes:max_tokens=20")      # shorter ones only

The package keeps its entries in strfile format under /usr/share/games/fortunes: text files (computers, people,
science, ...) whose entries are separated by lines holding "%". Each entry becomes one example: its attribution
lines ("-- Mark Twain") are dropped and its lines joined by spaces. The entries of at most `max_tokens` tokens
(by data/tokenize.py, before any vocabulary) are kept, in file-name then file order; the pictures of the art and
ascii-art files and the offensive ones (off/, a separate package) are left out. Ids are "file:number", the entry's
number (0-based) in its file. No download: the corpus comes with the package, or is absent (a one-line error).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.source_settings import SOURCE_SETTINGS, parse_settings
from vaekit.data.dataset import Dataset
from vaekit.data.text.reader import text_dataset
from vaekit.data.text.tokenize import tokenize

FORTUNES_DIR = Path("/usr/share/games/fortunes")
SKIPPED = ("art", "ascii-art")  # pictures drawn in characters, not sentences
SEPARATOR = re.compile(r"^%[ \t]*$", re.MULTILINE)
ATTRIBUTION = re.compile(r"^\s*--\s")  # "\t\t-- Mark Twain"
SOURCE_SETTINGS["fortunes"] = {"max_tokens": 30}


@DATASETS.register("fortunes")
def load_fortunes(options: LoadOptions) -> Dataset:
    """The fortunes of at most max_tokens tokens, split by options.seed; text settings from options.text."""
    settings = parse_settings("fortunes", options.settings)
    if settings["max_tokens"] < 1:
        raise DataError(f"fortunes: max_tokens must be at least 1, got {settings['max_tokens']}")
    texts, ids = fortune_entries(FORTUNES_DIR, settings["max_tokens"], options.text.lowercase)
    name = "fortunes" + (f":{options.settings}" if options.settings else "")
    return text_dataset(texts, np.array(ids), options, name, str(FORTUNES_DIR), ids)


def fortune_entries(folder: Path, max_tokens: int, lowercase: bool = True) -> tuple[list[str], list[str]]:
    """(entries, ids "file:number") of every fortune file in `folder` with at most max_tokens tokens."""
    files = sorted(item for item in folder.glob("*") if item.is_file() and not item.suffix
                   and item.name not in SKIPPED) if folder.is_dir() else []
    if not files:
        raise DataError(f"no fortune files in {folder}: install Debian's fortunes package (apt-get install "
                        "fortunes)")
    texts, ids = [], []
    for file in files:
        for number, entry in enumerate(SEPARATOR.split(file.read_text(encoding="utf-8", errors="replace"))):
            text = " ".join(line.strip() for line in entry.splitlines() if not ATTRIBUTION.match(line)).strip()
            if text and len(tokenize(text, lowercase)) <= max_tokens:
                texts.append(text)
                ids.append(f"{file.name}:{number}")
    return texts, ids
