"""The .vkz file: what a compressed data set is stored as, and the checks that refuse a file that is not one.

    offset  size  field
    0       8     magic b"\\x89VKZ\\r\\n\\x1a\\n" (PNG's trick: a high byte and line ends that transfers in text
                  mode would change)
    8       2     format version, uint16 little-endian
    10      4     header length H, uint32 little-endian
    14      H     header: UTF-8 JSON (the model's weights hash, data shape, count, levels, ids, coder settings,
                  and the number of payload words), each field as header.HEADERS[version] declares it
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
from vaekit.core.schema import PARSED_BYTES, check_memory, loads
from vaekit.tasks.compression.header import DEPTH, HEADERS, check_header

MAGIC = b"\x89VKZ\r\n\x1a\n"
VERSION = 1  # what pack writes; unpack reads the versions of header.HEADERS
_PREFIX = struct.Struct("<8sHI")  # magic, version, header length
_CHECKSUM = 32


def pack(header: dict[str, Any], words: np.ndarray) -> bytes:
    """The file's bytes: header["words"] is set to the payload's length here. The header is checked against the
    schema unpack reads it with, so that compress never writes a file that decompress would refuse."""
    header = check_header({**header, "words": int(len(words))}, VERSION, "the header compress made")
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    return signed(text, words.astype("<u4").tobytes())


def signed(header_text: bytes, payload: bytes, version: int = VERSION) -> bytes:
    """The bytes of a file of this header text and payload, with its checksum: what `pack` writes, and what
    anyone can write (the tests make the files a stranger could send with it)."""
    body = _PREFIX.pack(MAGIC, version, len(header_text)) + header_text + payload
    return body + hashlib.sha256(body).digest()


def _payload_words(header: Any) -> int | None:
    """The header's payload length, if it says one that could be (for the truncation message, before the
    checksum: a header that says none is refused after it, by the schema)."""
    words = header.get("words") if isinstance(header, dict) else None
    return words if isinstance(words, int) and not isinstance(words, bool) and words >= 0 else None


def unpack(data: bytes, where: str = "the data") -> tuple[dict[str, Any], np.ndarray]:
    """(header, words) of a .vkz file's bytes; a file that is not one, comes from a newer vaekit, was cut short or
    was changed is refused with one line (DataError), and so is a header that is not what its format version
    declares (header.py), whether or not its checksum was recomputed."""
    if len(data) < len(MAGIC) or data[:len(MAGIC)] != MAGIC:
        raise DataError(f"{where} is not a vaekit compressed file (.vkz): it does not start with its magic bytes; "
                        "decompress only what vaekit compress wrote")
    if len(data) < _PREFIX.size:
        raise DataError(f"{where} is truncated: it ends inside its first {_PREFIX.size} bytes; copy the whole file "
                        "again")
    _, version, header_length = _PREFIX.unpack_from(data)
    if version not in HEADERS:
        raise DataError(f"{where} is in .vkz format version {version}, but this vaekit reads version "
                        f"{', '.join(map(str, HEADERS))}; decompress it with the vaekit version that wrote it")
    end = _PREFIX.size + header_length
    if len(data) < end + _CHECKSUM:
        raise DataError(f"{where} is truncated: {len(data)} bytes, fewer than its header alone needs; copy the "
                        "whole file again")
    check_memory(PARSED_BYTES * header_length, f"{where}: its {header_length:,}-byte header",
                 "use the file vaekit compress wrote")
    try:
        header, problem = loads(bytes(data[_PREFIX.size:end]), f"{where}: its header", DEPTH), None
    except DataError as error:
        header, problem = None, error
    words = _payload_words(header)
    expected = end + 4 * (words or 0) + _CHECKSUM
    if words is not None and len(data) < expected:
        raise DataError(f"{where} is truncated: {len(data)} bytes of the {expected} its header announces; copy the "
                        "whole file again")
    if hashlib.sha256(data[:-_CHECKSUM]).digest() != data[-_CHECKSUM:]:
        raise DataError(f"{where} is damaged: its SHA-256 checksum does not match its contents; use an intact copy")
    if problem is not None:  # signed, so written on purpose: not by vaekit
        raise problem
    header = check_header(header, version, where)
    if len(data) != expected:
        raise DataError(f"{where}: field words says the payload is {header['words']:,} words, but the file holds "
                        f"{(len(data) - end - _CHECKSUM) // 4:,} words; use the file vaekit compress wrote")
    return header, np.frombuffer(data, dtype="<u4", count=header["words"], offset=end).astype(np.uint32)
