"""The labelled corpus (``knowledge/corpus/``) as training and evaluation examples.

Owns reading the corpus files and the plan's own sentences used as extra examples. An
``Example`` is one labelled line: a complaint or question about an entry (``2023-16``), or a
chat message of another kind (greeting, status, ...). ``group`` names the writer's part
(``part1``..``part4`` for the entries, ``messages``), so evaluation can hold a writer out.
Pure: reads files, no Telegram, no SQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import YousuError
from knowledge.model import Measure

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
ENTRY_FILES = (
    "entries.part1.jsonl",
    "entries.part2.jsonl",
    "entries.part3.jsonl",
    "entries.part4.jsonl",
)
#: situation questions and complaints that end in a question (``BRIEF.situations.md``):
#: the hard cases between the two kinds; their writers gave no 1330 label (``sla`` None)
SITUATION_FILES = ("situations.part5.jsonl", "situations.part6.jsonl")
MESSAGE_FILE = "messages.jsonl"
#: the blind batches of ``bench/heldout`` once their first look was taken (spent): their
#: texts with the kind their writers gave them, training the message-kind head only
SPENT_FILE = "spent.jsonl"
#: the kinds of ``messages.jsonl`` (complaint and question come from the entries files)
MESSAGE_KINDS = (
    "greeting",
    "thanks",
    "smalltalk",
    "help",
    "status",
    "followup",
    "chase",
    "verdict",
    "vague",
)
#: every kind the message-kind head tells apart, in a fixed order
KINDS = ("complaint", "question", *MESSAGE_KINDS)
#: the group of the plan's own sentences (not a writer: always trained on, never tested)
PLAN_GROUP = "plan"


class CorpusError(YousuError):
    """The labelled corpus is missing or malformed."""

    code = "corpus_invalid"
    http_status = 500


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    kind: str  # one of KINDS
    group: str  # the writer's part: part1..part4, messages, or plan
    entry: str | None = None  # complaints and questions: the entry id
    style: str = ""  # spoken / workorder / wrong_unit / mixed; plain / colloquial
    sla: str | None = None  # complaints: "1330" or "general" (None: not labelled)
    answer: str | None = None  # questions: the sentence of the entry that answers
    #: spent complaints: the units their writer accepted as responsible (the unit head)
    units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Corpus:
    entries: tuple[Example, ...]  # complaints and questions
    #: the other kinds; and, from the spent batches, complaints and questions without an entry
    messages: tuple[Example, ...]

    @property
    def complaints(self) -> tuple[Example, ...]:
        return tuple(e for e in self.entries if e.kind == "complaint")

    @property
    def questions(self) -> tuple[Example, ...]:
        return tuple(e for e in self.entries if e.kind == "question")

    @property
    def all(self) -> tuple[Example, ...]:
        return (*self.entries, *self.messages)


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    """The files the corpus is read from, in a fixed order (their bytes are the version)."""
    return [directory / name for name in (*ENTRY_FILES, *SITUATION_FILES, MESSAGE_FILE, SPENT_FILE)]


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise CorpusError(
            f"语料文件无法读取：{path}（{exc}）", f"cannot read corpus file {path}: {exc}"
        ) from exc


def _text(raw: dict[str, object], key: str, path: Path) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"语料行缺少“{key}”：{path}", f"a line of {path} has no {key!r}")
    return value


def load_corpus(directory: Path = CORPUS_DIR, entry_ids: Iterable[str] | None = None) -> Corpus:
    """Read the corpus; with ``entry_ids``, a line naming another entry is an error."""
    known = set(entry_ids) if entry_ids is not None else None
    entries: list[Example] = []
    for number, name in enumerate((*ENTRY_FILES, *SITUATION_FILES), start=1):
        path = directory / name
        labelled_sla = name in ENTRY_FILES
        for raw in _read_jsonl(path):
            kind = _text(raw, "kind", path)
            entry = _text(raw, "entry", path)
            if kind not in ("complaint", "question"):
                raise CorpusError(f"语料类型未知：{kind}", f"unknown kind {kind!r} in {path}")
            if known is not None and entry not in known:
                raise CorpusError(f"语料引用了未知举措：{entry}", f"unknown entry {entry!r}")
            entries.append(
                Example(
                    text=_text(raw, "text", path),
                    kind=kind,
                    group=f"part{number}",
                    entry=entry,
                    style=str(raw.get("style", "")),
                    sla=str(raw.get("sla", "general"))
                    if kind == "complaint" and labelled_sla
                    else None,
                    answer=str(raw["answer"]) if kind == "question" and "answer" in raw else None,
                )
            )
    messages: list[Example] = []
    path = directory / MESSAGE_FILE
    for raw in _read_jsonl(path):
        kind = _text(raw, "kind", path)
        if kind not in MESSAGE_KINDS:
            raise CorpusError(f"消息类型未知：{kind}", f"unknown message kind {kind!r} in {path}")
        messages.append(Example(text=_text(raw, "text", path), kind=kind, group="messages"))
    path = directory / SPENT_FILE
    if path.exists():
        for raw in _read_jsonl(path):
            spent = _spent_example(raw, path, known)
            (entries if spent.entry is not None else messages).append(spent)
    return Corpus(tuple(entries), tuple(messages))


def _spent_example(raw: dict[str, object], path: Path, known: set[str] | None) -> Example:
    """A line of a spent blind batch. A question or complaint with an entry (the entry its
    writer accepted first; for a complaint, the one ``scripts/spent_batches.py`` found among
    the measures its accepted units lead) trains the entry heads like a corpus line, a
    question's answering fragment votes, a complaint's SLA policy trains the financing head
    and its accepted units the unit head; anything else trains the message-kind head (and a
    complaint's units the unit head) only. ``style`` names the batch, so evaluation can hold
    one batch out."""
    kind = _text(raw, "kind", path)
    if kind not in KINDS:
        raise CorpusError(f"消息类型未知：{kind}", f"unknown kind {kind!r} in {path}")
    entry = raw.get("entry")
    if entry is not None and (
        not isinstance(entry, str) or (known is not None and entry not in known)
    ):
        raise CorpusError(f"语料引用了未知举措：{entry}", f"unknown entry {entry!r} in {path}")
    answer = raw.get("answer")
    sla = raw.get("sla")
    units = raw.get("units", [])
    if not isinstance(units, list) or not all(isinstance(u, str) and u for u in units):
        raise CorpusError("语料的受理单位格式错误", f"units must be a list of names in {path}")
    return Example(
        text=_text(raw, "text", path),
        kind=kind,
        group="spent",
        entry=entry if kind in ("question", "complaint") else None,
        style=f"spent:{raw.get('source', '')}",
        sla=str(sla) if kind == "complaint" and entry is not None and sla else None,
        answer=answer if isinstance(answer, str) and answer else None,
        units=tuple(units) if kind == "complaint" else (),
    )


def plan_examples(measures: Sequence[Measure]) -> list[Example]:
    """Each entry's title and sentences as examples of that entry: the plan's own words, so
    an entry the corpus says little about is still known by its vocabulary."""
    from knowledge.search.snippet import measure_sentences  # noqa: PLC0415

    out: list[Example] = []
    for measure in measures:
        for text in dict.fromkeys((measure.title, *measure_sentences(measure))):
            out.append(Example(text=text, kind="question", group=PLAN_GROUP, entry=measure.id))
    return out
