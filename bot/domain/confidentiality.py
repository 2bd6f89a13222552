"""What a notification or a report may quote from a complaint: one rule for every text that
leaves the system.

A complaint filed as confidential (保密) keeps the enterprise's own words (the complaint, a
repeat of it, a follow-up, the reason it gives for reopening) between the enterprise and the
system. Everyone else is told that there is something to read, never what:

- officials, whatever their role (the lead unit, co-units, dispatchers, supervisors, admins),
  read a notification that points them to the complaint in the bot, where who may see it is
  checked (``bot.services.queries``);
- reports (the weekly summary pushed to supervisors, its JSON and its spreadsheet) are passed
  on and printed, so they never quote it at all, nor name who filed it (``name_filer``).

Who filed it is withheld alike (``may_name``), except from the lead unit looking at the
complaint in the bot: it must be able to contact the enterprise. What officials write
themselves (replies, reasons, supervision notes) is not the enterprise's and is not covered. A
message about a repeat is confidential when either complaint is.
"""

from __future__ import annotations

from enum import StrEnum


class Reader(StrEnum):
    """Who reads a text that quotes a complaint."""

    ENTERPRISE = "enterprise"  # the complainant itself
    OFFICIAL = "official"  # a notification to an official, whatever the role
    LEAD_UNIT = "lead_unit"  # the lead unit's officials, looking at it in the bot
    REPORT = "report"  # summaries, ledgers and exports
    DASHBOARD = "dashboard"  # the supervisors' dashboard in a browser


#: what stands in for the enterprise's words when a reader may not see them
WITHHELD: dict[Reader, str] = {
    Reader.OFFICIAL: "（企业要求保密，请在系统中查看）",
    Reader.LEAD_UNIT: "（企业要求保密，请在系统中查看）",
    Reader.REPORT: "（企业要求保密，内容不在报表中显示）",
    Reader.DASHBOARD: "（企业要求保密，内容不在看板中显示；承办单位可在机器人中用 /status 查看）",
}


#: what stands in for a confidential complainant's identity (the ledger's enterprise column)
FILER_WITHHELD = "保密"


def may_quote(*, confidential: bool, reader: Reader) -> bool:
    """Whether ``reader`` may read the enterprise's own words of a complaint."""
    return not confidential or reader is Reader.ENTERPRISE


def quote(words: str, *, confidential: bool, reader: Reader, limit: int) -> str:
    """The enterprise's ``words`` as ``reader`` may see them: cut to ``limit`` characters
    (with an ellipsis), or the stand-in when the complaint is confidential."""
    if not may_quote(confidential=confidential, reader=reader):
        return WITHHELD[reader]
    return words if len(words) <= limit else words[:limit] + "…"


def may_name(*, confidential: bool, reader: Reader) -> bool:
    """Whether ``reader`` may know who filed a complaint: a confidential complainant is known
    to itself and to the unit that must contact it (in the bot's view of the complaint, where
    access is checked), never to other officials nor in a notification or a report."""
    return not confidential or reader in (Reader.ENTERPRISE, Reader.LEAD_UNIT)


def name_filer(name: str, *, confidential: bool, reader: Reader) -> str:
    """Who filed a complaint, as ``reader`` may see it (``may_name``)."""
    return name if may_name(confidential=confidential, reader=reader) else FILER_WITHHELD
