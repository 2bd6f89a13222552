"""Identifiers that come from outside, checked once where they enter the core.

A channel and an id (``Actor``), a sender's reference and an attachment's name
(``bot.services.intake.Submission``) are stored and compared as they are, so they are refused,
not cleaned, when they hold what cannot be stored or shown: NUL (PostgreSQL refuses it), a lone
surrogate (it has no UTF-8), control or invisible format characters, or more characters than
their column holds. Every edge (Telegram, HTTP, the CLI, an import) builds these values, so
each gets the same named error (``InvalidInput``: HTTP 400, CLI exit 2, a polite chat answer)
instead of a database error. Prose (complaints, notes, names) is cleaned instead, see
``bot.services.steps.clean_text``.
"""

from __future__ import annotations

from bot.errors import InvalidInput

#: the longest values the tables hold
MAX_CHANNEL = 16
MAX_EXTERNAL_ID = 100
MAX_REF = 64
MAX_ATTACHMENT = 500


def check_identifier(value: object, what: tuple[str, str], limit: int) -> str:
    """``value`` unchanged if it is text of 1 to ``limit`` printable characters (a space is
    one); ``InvalidInput`` naming ``what`` (Chinese, English) otherwise."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what[0]}不能为空，应为文本", f"{what[1]} must be non-empty text")
    if len(value) > limit:
        raise InvalidInput(
            f"{what[0]}过长（{len(value)}个字符，最多{limit}个）",
            f"{what[1]} is longer than {limit} characters",
        )
    if not value.isprintable():
        bad = next(ch for ch in value if not ch.isprintable())
        raise InvalidInput(
            f"{what[0]}含有不可见或无法保存的字符（U+{ord(bad):04X}），请检查后重试",
            f"{what[1]} holds a control, invisible or unencodable character U+{ord(bad):04X}",
        )
    return value
