"""How a moment is shown to people: local time, with a deadline at midnight shown as 24:00 of
the day before (the rules say "by the end of the Nth working day")."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo


def show_local(moment: datetime, zone: tzinfo, *, seconds: bool = True) -> str:
    local = moment.astimezone(zone)
    if local.time() == time(0):
        previous = date.fromordinal(local.toordinal() - 1)
        return f"{previous.isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
