"""Sentences of a measure and the choice of the one that answers a question.

Owns sentence splitting (on 。；; and line breaks) and the snippet choice: the sentence that
carries most of the query's weighted terms, with rapidfuzz as the tie-breaker, and a
preference for sentences with figures when the question asks for a number (多少/几/多久...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from knowledge.model import Measure

_SPLIT = re.compile(r"[。；;！!？?\n]+")
#: the same, keeping the separators (``re.split`` returns them between the parts)
_SPLIT_KEEP = re.compile(f"({_SPLIT.pattern})")
_DIGIT = re.compile(
    r"[0-9０-９一二三四五六七八九十百千万两]+\s*(?:个|天|日|小时|分钟|%|万|亿|人|家|条|次|环节|工作日)"
)
#: question words that ask for a figure; a sentence with a figure then answers better
QUANTITY_WORDS = (
    "多少",
    "几个",
    "几天",
    "多久",
    "多长",
    "几次",
    "几趟",
    "比例",
    "目标",
    "时限",
    "多快",
    "几",
    "最多",
    "最长",
    "几成",
    "多高",
    "多大",
    "多少钱",
    "标准",
)

#: question words that ask for a time; a sentence with a duration then answers best
TIME_WORDS = (
    "多久",
    "多长时间",
    "几天",
    "几个工作日",
    "多少天",
    "多少个工作日",
    "时限",
    "多快",
    "啥时候",
    "什么时候",
    "要多长",
)
_DURATION = re.compile(r"[0-9一二三四五六七八九十两]+\s*(?:个)?\s*(?:工作日|天|日|小时|分钟|个月)")

_MIN_SENTENCE = 4
#: a sentence that only states the problem the assessment found ("评价发现…", "一是…耗时较长")
#: says what was wrong, not what the rule or target is: it answers a question less well
PROBLEM_FACTOR = 0.5
#: the words of an assessment's finding (where the district stands against the province's
#: best): such a sentence states a problem too, wherever it stands in the measure
_FINDING = re.compile(r"评价发现|有待|存在差距|差距|相比|仍需|较为滞后|不够|偏低|偏高|较长")


#: a clause that restates the previous clause's figure for a group ("首付款比例…不低于50%；
#: 对于中小企业，首付款支付比例…不低于70%"): the two are one answer, and a question about the
#: figure is answered by both
_FOR_GROUP = re.compile(r"对于[^，,；;。]{1,16}[，,]")


def split_sentences(text: str) -> list[str]:
    """Split plan text into sentences, dropping fragments too short to answer anything. A
    clause after a semicolon that gives the figure for a group (``_FOR_GROUP``) stays with
    the clause whose figure it varies."""
    pieces = _SPLIT_KEEP.split(text)
    parts: list[str] = []
    joined = False  # a clause takes at most one group clause
    for i in range(0, len(pieces), 2):
        part = pieces[i].strip(" ，,、：:")
        before = pieces[i - 1] if i else ""
        if (
            parts
            and not joined
            and before.strip() in ("；", ";")
            and _FOR_GROUP.match(part)
            and has_figure(part)
            and has_figure(parts[-1])
        ):
            parts[-1] = f"{parts[-1]}；{part}"
            joined = True
            continue
        joined = False
        parts.append(part)
    return [p for p in parts if len(p) >= _MIN_SENTENCE]


def measure_sentences(measure: Measure) -> list[str]:
    """All answer candidates of a measure: its text, problems, goals and parts, in order."""
    pieces = [measure.text, *measure.problems, measure.goals]
    pieces.extend(part.text for part in measure.parts)
    sentences: list[str] = []
    seen: set[str] = set()
    for piece in pieces:
        for sentence in split_sentences(piece):
            if sentence not in seen:
                seen.add(sentence)
                sentences.append(sentence)
    return sentences or [measure.title]


def problem_only_sentences(measure: Measure) -> frozenset[str]:
    """The sentences of the measure's problem statements (the rectification plan's 主要问题,
    which its text repeats) that its goals and parts do not also say."""
    if not measure.problems:
        return frozenset()
    said = set(split_sentences(measure.goals))
    said.update(s for part in measure.parts for s in split_sentences(part.text))
    return frozenset(
        s for piece in measure.problems for s in split_sentences(piece) if s not in said
    )


def has_figure(sentence: str) -> bool:
    """True when the sentence states a figure (a count, a duration, a rate, an amount)."""
    return bool(_DIGIT.search(sentence))


def has_duration(sentence: str) -> bool:
    """True when the sentence states a duration (days, working days, hours, months)."""
    return bool(_DURATION.search(sentence))


def is_problem_sentence(sentence: str) -> bool:
    """True when the sentence reads as an assessment's finding (where the district falls
    short), wherever it stands in the measure."""
    return bool(_FINDING.search(sentence))


def score_sentences(
    measure: Measure,
    sentences: list[str],
    query_text: str,
    term_weights: Mapping[str, float],
) -> tuple[list[float], list[list[str]]]:
    """Each sentence's score as the answer, and the query terms it contains (heaviest first)."""
    wants_number = any(word in query_text for word in QUANTITY_WORDS)
    wants_time = any(word in query_text for word in TIME_WORDS)
    title = measure.title.lower()
    problems = problem_only_sentences(measure)
    scores: list[float] = []
    matched: list[list[str]] = []
    for sentence in sentences:
        low = sentence.lower()
        hits = [t for t in term_weights if t in low]
        score = sum(term_weights[t] for t in hits)
        if wants_number and _DIGIT.search(sentence):
            score *= 1.3
        if wants_time and has_duration(sentence):
            score *= 1.4
        if title and title in low and len(low) <= len(title) + 4:
            # the title or its heading ("十、...方案") restates the topic; a sentence of
            # substance answers better
            score *= 0.6
        if sentence in problems or is_problem_sentence(sentence):
            score *= PROBLEM_FACTOR
        score += fuzz.partial_ratio(query_text, sentence, processor=default_process) / 1000
        scores.append(score)
        matched.append(sorted(hits, key=lambda t: -term_weights[t]))
    return scores, matched


def choose_snippet(
    measure: Measure,
    sentences: list[str],
    query_text: str,
    term_weights: Mapping[str, float],
) -> tuple[str, list[str]]:
    """The answering sentence and the query terms it contains."""
    scores, matched = score_sentences(measure, sentences, query_text, term_weights)
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    return sentences[best], matched[best]
