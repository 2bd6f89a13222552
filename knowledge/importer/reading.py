"""Reading a plan document into numbered text lines (.txt as UTF-8, .docx via python-docx).

Bad input (missing, empty, binary, not UTF-8, a broken .docx) raises ``DocumentError``
with a bilingual message; the caller never sees a raw decoding or zip traceback.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from bot.errors import InvalidInput

#: larger documents are not plans (the two seeds are under 70 kB)
MAX_BYTES = 20 * 1024 * 1024

#: formats plans are sometimes sent in that python-docx cannot read
_UNSUPPORTED = frozenset({".doc", ".wps", ".pdf", ".rtf", ".xls", ".xlsx"})
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
#: control characters other than tab, newline, carriage return and form feed
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


class DocumentError(InvalidInput):
    """A document the importer cannot read."""

    code = "bad_document"


def read_lines(path: Path) -> list[str]:
    """The document's lines, 1 line per paragraph, without ``[bookmark: …]`` artefacts."""
    if not path.exists():
        raise DocumentError(f"文件不存在：{path}", f"file not found: {path}")
    if not path.is_file():
        raise DocumentError(f"不是文件：{path}", f"not a file: {path}")
    if path.suffix.lower() in _UNSUPPORTED:
        raise DocumentError(
            f"不支持 {path.suffix} 文件，请另存为 .docx 或 UTF-8 .txt：{path}",
            f"{path.suffix} files are not supported; save as .docx or UTF-8 .txt: {path}",
        )
    size = path.stat().st_size
    if size == 0:
        raise DocumentError(f"文件为空：{path}", f"file is empty: {path}")
    if size > MAX_BYTES:
        raise DocumentError(
            f"文件过大（{size} 字节）：{path}", f"file too large ({size} bytes): {path}"
        )
    data = path.read_bytes()
    is_zip = data.startswith(b"PK\x03\x04")  # .docx is a zip package
    lines = _docx_lines(path) if is_zip else _text_lines(path, data)
    lines = [_BOOKMARK.sub("", line) for line in lines]
    if not any(line.strip() for line in lines):
        raise DocumentError(f"文件没有文字内容：{path}", f"file has no text: {path}")
    return lines


def _text_lines(path: Path, data: bytes) -> list[str]:
    if b"\x00" in data[:8192]:
        raise DocumentError(
            f"不是文本文件（含二进制内容）：{path}", f"binary file, not text: {path}"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"文件不是 UTF-8 编码（可能是 GBK），请另存为 UTF-8 或 .docx：{path}",
            f"file is not UTF-8 (GBK?); save it as UTF-8 or .docx: {path} ({exc.reason})",
        ) from exc
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise DocumentError(f"不是文本文件（含控制字符）：{path}", f"binary file, not text: {path}")
    return text.splitlines()


def _docx_lines(path: Path) -> list[str]:
    # imported here: only .docx imports pay for loading python-docx and lxml
    import docx  # noqa: PLC0415
    from docx.opc.exceptions import PackageNotFoundError  # noqa: PLC0415

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            f"无法读取 .docx 文件（已损坏或不是 Word 文档）：{path}",
            f"cannot read .docx (broken or not a Word document): {path}: {exc}",
        ) from exc
    return [paragraph.text for paragraph in document.paragraphs]
