"""The .vkz file: what a compressed data set is stored as, and the checks that refuse a file that is not one.

    offset  size  field
    0       8     magic b"\\x89VKZ\\r\\n\\x1a\\n" (PNG's trick: a high byte and line ends that transfers in text
                  mode would change)
    8       2     format version, uint16 little-endian
    10      4     header length H, uint32 little-endian
    14      H     header: UTF-8 JSON (the model's weights hash, data shape, count, levels, ids, coder settings,
                  and the number of payload words)
    14+H    4W    payload: the ANS coder's W words, uint32 little-endian
    end-32  32    SHA-256 of everything before it

    data = pack(header, words);  header, words = unpack(data, "file.vkz")
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import numpy as np

from vaekit.core.errors import DataError

MAGIC = b"\x89VKZ\r\n\x1a\n"
VERSION = 1
_PREFIX = struct.Struct("<8sHI")  # magic, version, header length
_CHECKSUM = 32


def pack(header: dict[str, Any], words: np.ndarray) -> bytes:
    """The file's bytes: header["words"] is set to the payload's length here."""
    header = {**header, "words": int(len(words))}
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    body = _PREFIX.pack(MAGIC, VERSION, len(text)) + text + words.astype("<u4").tobytes()
    return body + hashlib.sha256(body).digest()


def unpack(data: bytes, where: str = "the data") -> tuple[dict[str, Any], np.ndarray]:
    """(header, words) of a .vkz file's bytes; a file that is not one, comes from a newer vaekit, was cut short or
    was changed is refused with one line (DataError)."""
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        raise DataError(f"{where} is not a vaekit compressed file (.vkz): it does not start with its magic bytes; "
                        "decompress only what vaekit compress wrote")
    if len(data) < _PREFIX.size:
        raise DataError(f"{where} is truncated: it ends inside its first {_PREFIX.size} bytes; copy the whole file "
                        "again")
    _, version, header_length = _PREFIX.unpack_from(data)
    if version != VERSION:
        raise DataError(f"{where} is in .vkz format version {version}, but this vaekit reads version {VERSION}; "
                        "decompress it with the vaekit version that wrote it")
    end = _PREFIX.size + header_length
    if len(data) < end + _CHECKSUM:
        raise DataError(f"{where} is truncated: {len(data)} bytes, fewer than its header alone needs; copy the "
                        "whole file again")
    try:
        header = json.loads(data[_PREFIX.size:end].decode())
        words = int(header["words"])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        header, words = None, -1
    expected = end + 4 * words + _CHECKSUM
    if header is not None and words >= 0 and len(data) < expected:
        raise DataError(f"{where} is truncated: {len(data)} bytes of the {expected} its header announces; copy the "
                        "whole file again")
    if hashlib.sha256(data[:-_CHECKSUM]).digest() != data[-_CHECKSUM:] or header is None or len(data) != expected:
        raise DataError(f"{where} is damaged: its SHA-256 checksum does not match its contents; use an intact copy")
    return header, np.frombuffer(data, dtype="<u4", count=words, offset=end).astype(np.uint32)
