"""The font the charts are drawn in: Noto Sans SC (Simplified Chinese, SIL OFL 1.1), shipped
inside the PyPI package ``pylopdf-fonts-zh-cn`` that ``pyproject.toml`` declares, so the
project's own set-up installs it on a fresh machine and no system font is needed.

Owns finding the font, registering it with matplotlib's font manager (once per process) and
telling which characters of a text no font of the chart can draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

#: what matplotlib falls back to for a character the CJK font lacks (ships with matplotlib)
FALLBACK_FAMILY = "DejaVu Sans"


@cache
def cjk_font_path() -> Path:
    import pylopdf_fonts_zh_cn  # noqa: PLC0415 - only when a chart is drawn

    return pylopdf_fonts_zh_cn.sans_path()


@cache
def cjk_family() -> str:
    """Register the CJK font with matplotlib and return its family name (``Noto Sans SC``)."""
    from matplotlib import font_manager  # noqa: PLC0415

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def font_families() -> list[str]:
    """``font.family`` for the charts: the CJK font first, matplotlib's own as fallback."""
    return [cjk_family(), FALLBACK_FAMILY]


@cache
def _covered() -> frozenset[int]:
    from matplotlib import font_manager  # noqa: PLC0415
    from matplotlib.ft2font import FT2Font  # noqa: PLC0415

    fallback = font_manager.findfont(FALLBACK_FAMILY, fallback_to_default=False)
    codes: set[int] = set()
    for path in (str(cjk_font_path()), fallback):
        codes.update(FT2Font(path).get_charmap())
    return frozenset(codes)


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """The characters of ``texts`` that neither the CJK font nor the fallback can draw
    (whitespace aside), in order of first appearance."""
    covered = _covered()
    missing: dict[str, None] = {}
    for text in texts:
        for char in text:
            if not char.isspace() and ord(char) not in covered:
                missing.setdefault(char)
    return list(missing)
