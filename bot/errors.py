"""The root of yousu's named errors.

Every error meant for a person carries a Chinese message (what users read) and an English one
(for logs and English-speaking operators). The edges (CLI, Telegram, HTTP) turn these into a
polite message, an exit code or an HTTP status; anything that is not a YousuError is a bug.
"""

from __future__ import annotations


class YousuError(Exception):
    """A named, expected failure with a bilingual message."""

    #: short machine-readable code, also used by the HTTP layer
    code: str = "error"
    #: HTTP status the web layer should answer with
    http_status: int = 400

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def bilingual(self) -> str:
        return f"{self.zh}\n{self.en}"


class InvalidInput(YousuError):
    """The caller's input is empty, malformed, too large or otherwise unusable."""

    code = "invalid_input"


class NotFound(YousuError):
    code = "not_found"
    http_status = 404
