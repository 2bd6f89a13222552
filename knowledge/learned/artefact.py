"""The trained model as one versioned file, and where it lives.

Owns the file format, the version and the "load, or build when absent" rule.

- **Version**: SHA-256 over what the model is built from: the corpus files, the knowledge
  base's data files (plans, lexicon, routing cues, SLA policies, units), the source of the
  learned layer and of the search and routing it is combined with, and the versions of
  scikit-learn, numpy and jieba. Change any of them and the next start builds a new model.
- **File**: ``learned-<version[:16]>.bin``: a magic line, the header's length, a JSON header
  (sorted keys: version, feature config, vocabulary, heads, kept examples, combiner) and the
  arrays' raw little-endian bytes, each at a 64-byte boundary. No pickle: loading runs no
  code and needs no scikit-learn; no time stamp: rebuilding gives the same bytes.
- **Where**: ``$YOUSU_MODEL_DIR`` when set (an empty value: never written, built in memory),
  else ``models/`` in the search cache directory (``knowledge.search.cache``: ``$YOUSU_CACHE_DIR``,
  ``$XDG_CACHE_HOME/yousu`` or ``~/.cache/yousu``, which holds a ``.gitignore`` of ``*``).
  Writes go to a temporary file renamed over the target, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import struct
import tempfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.errors import YousuError
from knowledge.learned.corpus import CORPUS_DIR, corpus_files
from knowledge.search import cache

log = logging.getLogger(__name__)

ENV_VAR = "YOUSU_MODEL_DIR"
FORMAT = "yousu-learned 1"
_MAGIC = (FORMAT + "\n").encode("ascii")
_LENGTH = struct.Struct("<Q")
_ALIGN = 64
_PACKAGE = Path(__file__).resolve().parent.parent
#: source folders whose code shapes the model (the learned layer, and what it combines with)
_CODE_DIRS = ("learned", "search", "routing")
_LIBRARIES = ("scikit-learn", "numpy", "jieba")


class ModelFileError(YousuError):
    code = "model_file_invalid"
    http_status = 500


def model_dir() -> Path | None:
    """Where models are kept, or None when they are never written (built in memory)."""
    configured = os.environ.get(ENV_VAR)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = cache.cache_dir()
    return base / "models" if base is not None else None


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def source_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    """Every file whose bytes are part of the version, in a fixed order."""
    data = sorted((_PACKAGE / "data").glob("*.json"))
    code = [p for d in _CODE_DIRS for p in sorted((_PACKAGE / d).glob("*.py"))]
    return [*corpus_files(corpus_dir), *data, *code]


def model_version(corpus_dir: Path = CORPUS_DIR, extra: str = "") -> str:
    """The version (hex SHA-256) of the model these inputs build."""
    digest = hashlib.sha256()
    digest.update(FORMAT.encode())
    for path in source_files(corpus_dir):
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ModelFileError(
                f"模型的训练数据缺失：{path}", f"a training input is missing: {path} ({exc})"
            ) from exc
        name = path.relative_to(path.parents[1]).as_posix().encode()
        digest.update(struct.pack("<QQ", len(name), len(content)))
        digest.update(name)
        digest.update(content)
    for library in _LIBRARIES:
        digest.update(f"{library}={_library_version(library)};".encode())
    digest.update(extra.encode())
    return digest.hexdigest()


def file_name(version: str) -> str:
    return f"learned-{version[:16]}.bin"


def dumps(version: str, header: Mapping[str, Any], arrays: Mapping[str, npt.NDArray[Any]]) -> bytes:
    """The file's bytes: deterministic for the same header and arrays."""
    layout: dict[str, dict[str, Any]] = {}
    blobs: list[bytes] = []
    offset = 0
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        dtype = array.dtype.newbyteorder("<")
        raw = array.astype(dtype, copy=False).tobytes()
        pad = (-offset) % _ALIGN
        blobs.append(b"\0" * pad)
        offset += pad
        layout[name] = {"dtype": dtype.str, "shape": list(array.shape), "offset": offset}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(
        {"version": version, "arrays": layout, **header},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    start = len(_MAGIC) + _LENGTH.size + len(head)
    lead = (-start) % _ALIGN
    return _MAGIC + _LENGTH.pack(len(head) + lead) + head + b" " * lead + b"".join(blobs)


def loads(data: bytes) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    """Header and arrays (read-only views into ``data``); raises ModelFileError."""
    try:
        if not data.startswith(_MAGIC):
            raise ValueError("not a model file")
        (length,) = _LENGTH.unpack_from(data, len(_MAGIC))
        start = len(_MAGIC) + _LENGTH.size
        header: dict[str, Any] = json.loads(data[start : start + length])
        base = start + length
        arrays: dict[str, npt.NDArray[Any]] = {}
        for name, spec in header["arrays"].items():
            dtype = np.dtype(spec["dtype"])
            shape = tuple(int(n) for n in spec["shape"])
            count = int(np.prod(shape)) if shape else 1
            arrays[name] = np.frombuffer(
                data, dtype=dtype, count=count, offset=base + int(spec["offset"])
            ).reshape(shape)
    except (ValueError, KeyError, TypeError, struct.error) as exc:
        raise ModelFileError("模型文件已损坏", f"the model file is corrupt: {exc}") from exc
    return header, arrays


def read(path: Path, version: str) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]] | None:
    """The model stored at ``path`` for ``version``, or None (missing, other version, corrupt)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        header, arrays = loads(data)
    except ModelFileError as exc:
        log.warning("%s: %s; rebuilding", path, exc.en)
        return None
    if header.get("version") != version:
        log.info("%s was built for another version; rebuilding", path)
        return None
    return header, arrays


#: how many model files a folder keeps: the newest, written last, and a few before it (two
#: checkouts at different commits may share the folder; each would otherwise rebuild)
KEEP_MODELS = 3


def prune(directory: Path, keep: int = KEEP_MODELS) -> list[Path]:
    """Remove all but the ``keep`` most recently written model files of ``directory``
    (nothing else in it); the removed paths. A model already loaded is held in memory, so a
    running bot loses nothing."""
    found = []
    for path in directory.glob(file_name("*")):  # learned-*.bin: not the .tmp files
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime_ns, path.name, path))
    removed = []
    for _mtime, _name, path in sorted(found, reverse=True)[keep:]:
        try:
            path.unlink()
            removed.append(path)
        except OSError as exc:
            log.warning("old model %s not removed: %s", path, exc)
    return removed


def write(path: Path, payload: bytes) -> bool:
    """Write ``payload`` to ``path`` atomically, then prune the folder's older model files
    (``prune``); False (logged) when it cannot be written."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by yousu: built models, never commit them\n*\n", "utf-8")
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("model not written to %s: %s", path, exc)
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    prune(path.parent)
    return True
