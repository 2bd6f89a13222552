"""Filing a backlog: many complaints from a hotline platform or a spreadsheet, at once.

Owns reading a backlog and filing it in batches. The file is checked whole before anything is
filed, so a bad line stops the import with every bad line listed and nothing stored. Each
batch is one transaction (``submit_complaints``); a complaint whose reference (``ref``, the
sending platform's own number) is already on file is skipped, so an import interrupted by an
outage can simply be run again: each complaint is filed once.

One JSON object per line: ``{"text": "...", "ref": "12345-0001", "from": "http:12345",
"confidential": false, "attachments": []}``; only ``text`` is required; ``from`` (who files
it, ``CHANNEL:ID``) defaults to ``import:backlog``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain.records import Actor, ReferenceKey, reference_key
from bot.errors import InvalidInput
from bot.services.context import ServiceContext
from bot.services.intake import Acknowledgement, Submission, check_text, submit_complaints

DEFAULT_FROM = Actor("import", "backlog")
#: complaints filed per transaction
BATCH_SIZE = 200
#: bad lines listed in the error (the rest are counted)
MAX_LISTED = 20

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class ImportResult:
    filed: list[Acknowledgement] = field(default_factory=list)
    #: references already on file (from an earlier run), not filed again
    skipped: list[str] = field(default_factory=list)


def parse_backlog(lines: Iterable[str]) -> list[Submission]:
    """The submissions of a JSONL backlog; raises ``InvalidInput`` listing every bad line."""
    submissions: list[Submission] = []
    problems: list[str] = []
    seen: dict[ReferenceKey, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            submission = _submission(json.loads(line))
        except RecursionError:
            problems.append(f"第{number}行：JSON 嵌套层数过多")
            continue
        except (ValueError, TypeError, InvalidInput) as exc:
            reason = exc.zh if isinstance(exc, InvalidInput) else f"不是合法的 JSON（{exc}）"
            problems.append(f"第{number}行：{reason}")
            continue
        if submission.external_ref is not None:
            key = reference_key(submission.actor, submission.external_ref)
            if key in seen:
                problems.append(f"第{number}行：编号 {key[2]} 与第{seen[key]}行重复")
                continue
            seen[key] = number
        submissions.append(submission)
    if problems:
        listed = "\n".join(problems[:MAX_LISTED])
        more = f"\n……另有{len(problems) - MAX_LISTED}行" if len(problems) > MAX_LISTED else ""
        raise InvalidInput(
            f"导入文件有{len(problems)}行无法读取，未导入任何诉求：\n{listed}{more}",
            f"{len(problems)} bad line(s) in the backlog; nothing was filed",
        )
    if not submissions:
        raise InvalidInput("导入文件中没有诉求", "the backlog holds no complaints")
    return submissions


def _submission(raw: object) -> Submission:
    if not isinstance(raw, dict):
        raise InvalidInput("应为 JSON 对象", "not a JSON object")
    text = raw.get("text")
    if not isinstance(text, str):
        raise InvalidInput("缺少 text（诉求内容）", "text is missing")
    actor = DEFAULT_FROM
    if raw.get("from") is not None:
        if not isinstance(raw["from"], str):
            raise InvalidInput("from 应为 渠道:编号，如 http:12345", "from must be CHANNEL:ID")
        channel, _, external = raw["from"].partition(":")
        if not channel.strip() or not external.strip():
            raise InvalidInput("from 应为 渠道:编号，如 http:12345", "from must be CHANNEL:ID")
        actor = Actor(channel.strip(), external.strip())
    ref = raw.get("ref")
    if ref is not None and (
        isinstance(ref, bool) or not isinstance(ref, str | int) or not str(ref).strip()
    ):
        raise InvalidInput("ref 应为非空文本", "ref must be non-empty text")
    attachments = raw.get("attachments", [])
    if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
        raise InvalidInput("attachments 应为文本列表", "attachments must be a list of text")
    # the reference's and the attachments' characters and lengths: Submission checks them
    return Submission(
        actor,
        check_text(text),
        tuple(attachments),
        parse_flag(raw.get("confidential", False), "confidential"),
        None if ref is None else str(ref).strip(),
    )


#: the spellings of yes and no a backlog may use besides JSON's true and false
_FLAG_WORDS = {"true": True, "1": True, "false": False, "0": False}


def parse_flag(value: object, name: str) -> bool:
    """A yes/no field, strictly: JSON true/false, 1/0, or the text "true"/"false"/"1"/"0"
    (any case). Anything else ("false " is fine, "no", "否", null, 2) is an error: guessing
    wrong would file a confidential complaint as an open one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _FLAG_WORDS:
        return _FLAG_WORDS[value.strip().lower()]
    shown = json.dumps(value, ensure_ascii=False)[:20]
    raise InvalidInput(
        f"{name} 应为 true 或 false（也可写 1、0），收到 {shown}",
        f"{name} must be true or false (or 1, 0), got {shown}",
    )


async def import_complaints(
    ctx: ServiceContext,
    submissions: Sequence[Submission],
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportResult:
    """File ``submissions`` in batches of ``batch_size``, skipping references already on file.
    ``progress(done, total)`` is called after each batch."""
    if batch_size < 1:
        raise InvalidInput("每批数量至少为1", "the batch size must be at least 1")
    result = ImportResult()
    for start in range(0, len(submissions), batch_size):
        batch = submissions[start : start + batch_size]
        # intake itself files a reference once: what was on file comes back already_filed
        for submission, ack in zip(batch, await submit_complaints(ctx, batch), strict=True):
            if ack.already_filed and submission.external_ref is not None:
                result.skipped.append(submission.external_ref)
            else:
                result.filed.append(ack)
        if progress is not None:
            progress(min(start + batch_size, len(submissions)), len(submissions))
    return result
