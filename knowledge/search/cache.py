"""A small on-disk cache for what search builds at start-up (the segmenter's dictionary, the
segmented measures), so ``yousu ask`` does not redo it in every process.

Owns where the cache lives and how an entry is written and checked. The directory is
``$YOUSU_CACHE_DIR`` when set (an empty value turns the cache off), else
``$XDG_CACHE_HOME/yousu`` or ``~/.cache/yousu``; it is created on first write with a
``.gitignore`` of ``*`` so it is never committed wherever it is. An entry is one file:
a magic line, the SHA-256 key it was built for, the payload's length and CRC-32, then the
payload. Writes go to a temporary file in the same directory that is then renamed over the
entry, so two processes starting at once never see half a file. Anything wrong (missing,
truncated, corrupt, built for another key, unwritable directory) reads as a miss: the
caller rebuilds, and the cache is only ever a speed-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VAR = "YOUSU_CACHE_DIR"
_MAGIC = b"yousu-cache 1\n"
#: key (32 bytes), payload length, payload CRC-32
_HEADER = struct.Struct("<32sQI")


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is turned off."""
    configured = os.environ.get(ENV_VAR)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "yousu"
    try:
        return Path.home() / ".cache" / "yousu"
    except (RuntimeError, KeyError):  # no home directory
        return None


def make_key(*parts: str | bytes | Iterable[str]) -> bytes:
    """A SHA-256 key over the parts (strings, bytes or sequences of strings), unambiguous."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            chunks: Iterable[bytes] = (b"s", part.encode("utf-8"))
        elif isinstance(part, bytes):
            chunks = (b"b", part)
        else:
            items = [item.encode("utf-8") for item in part]
            chunks = (
                b"l",
                struct.pack("<Q", len(items)),
                *(struct.pack("<Q", len(item)) + item for item in items),
            )
        for chunk in chunks:
            digest.update(struct.pack("<Q", len(chunk)))
            digest.update(chunk)
    return digest.digest()


def read(directory: Path | None, name: str, key: bytes) -> memoryview | None:
    """The payload stored under ``name`` for ``key``, or None (missing, stale or corrupt).

    ``directory`` None means no cache. A view, not a copy: the dictionary entry is megabytes
    and copying it costs milliseconds.
    """
    if directory is None:
        return None
    path = directory / name
    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = len(_MAGIC) + _HEADER.size
    if len(data) < start or not data.startswith(_MAGIC):
        log.debug("cache %s: not a cache file", path)
        return None
    stored_key, length, crc = _HEADER.unpack_from(data, len(_MAGIC))
    if stored_key != key:
        log.debug("cache %s: stale", path)
        return None
    payload = memoryview(data)[start:]
    if len(payload) != length or zlib.crc32(payload) != crc:
        log.debug("cache %s: corrupt", path)
        return None
    return payload


def write(directory: Path | None, name: str, key: bytes, payload: bytes) -> bool:
    """Store ``payload`` under ``name`` for ``key``; False (and no error) when impossible."""
    if directory is None:
        return False
    header = _MAGIC + _HEADER.pack(key, len(payload), zlib.crc32(payload))
    tmp: str | None = None
    try:
        _ensure_dir(directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(header)
            out.write(payload)
        os.replace(tmp, directory / name)
        tmp = None
    except OSError as exc:
        log.debug("cache %s/%s not written: %s", directory, name, exc)
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True


def _ensure_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        # keep the cache out of git wherever it is (as pytest does for .pytest_cache)
        ignore.write_text("# created by yousu: a cache, never commit it\n*\n", encoding="utf-8")
