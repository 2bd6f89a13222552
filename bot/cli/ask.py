"""`yousu ask`: answer a policy question with the measure, its answering sentence and lead unit.

``yousu ask QUESTION`` prints a readable answer in Chinese; ``--json`` prints the hits as
JSON; ``--explain`` adds what decided (the model's and retrieval's best measures, the words
that counted, the nearest corpus questions, the rules that fired); ``yousu ask -`` reads one
question per line from standard input and prints one JSON object per line, in order (for
batch evaluation). Search itself lives in ``knowledge``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.output import bilingual_help, print_json
from bot.errors import InvalidInput

MAX_LIMIT = 20


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ask",
        help=bilingual_help("查询政策：找到对应举措和答案原文", "answer a policy question"),
        description=bilingual_help(
            "用方案原文回答企业的政策问题；“-”表示从标准输入逐行读取问题并逐行输出 JSON",
            "answer a question from the plans; '-' reads one question per line (JSONL out)",
        ),
    )
    parser.add_argument(
        "question", nargs="+", help=bilingual_help("问题，或“-”读标准输入", "question, or '-'")
    )
    parser.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    parser.add_argument(
        "--explain",
        action="store_true",
        help=bilingual_help(
            "显示依据：相近语料、关键词与规则", "show what decided: examples, words, rules"
        ),
    )
    parser.add_argument(
        "--limit", type=int, default=5, help=bilingual_help("最多结果数", "max hits (1-20)")
    )
    parser.set_defaults(handler=_ask)


def _hit_json(hit: Any, explain: bool) -> dict[str, Any]:
    from knowledge.views import deadline_note  # noqa: PLC0415 - lazy import

    m = hit.measure
    out: dict[str, Any] = {
        "id": m.id,
        "doc": m.doc,
        "number": m.number,
        "title": m.title,
        "section": m.section,
        "lead_units": list(m.lead_units or m.lead_groups),
        "deadline": m.deadline.normalized,
        "deadline_text": m.deadline.raw,
        "deadline_note": deadline_note(m.deadline),
        "snippet": hit.snippet,
        "score": hit.score,
    }
    if explain:
        out["matched_terms"] = list(hit.matched_terms)
    return out


def _shares(shares: Any) -> list[dict[str, Any]]:
    return [{"id": s.id, "title": s.title, "share": s.share} for s in shares]


def answer_json(question: str, *, limit: int = 5, explain: bool = False) -> dict[str, Any]:
    """The JSON object for one question (also used for each line of batch mode)."""
    from knowledge import brain  # noqa: PLC0415 - lazy: keeps `yousu --help` fast
    from knowledge.learned.combine import CombinedAsker  # noqa: PLC0415

    asker = brain.asker()
    details = None
    if explain and isinstance(asker, CombinedAsker):
        details = asker.explain(question, limit=limit)
        answer = details.answer
    else:
        answer = asker.answer(question, limit=limit)
    hits = [h for h in answer.hits if h.score > 0]  # nothing in common is no answer
    out: dict[str, Any] = {
        "question": question,
        "hits": [_hit_json(h, explain) for h in hits],
        "confident": answer.confident and bool(hits),
    }
    if not out["confident"]:
        out["nearest_titles"] = [h.measure.title for h in hits[:3]]
    if explain:
        out["expansions"] = list(answer.expansions)
        out["learned"] = details is not None
        if details is not None:
            out["explain"] = {
                "model": _shares(details.model),
                "retrieval": _shares(details.retrieval),
                "words": [[w, s] for w, s in details.words],
                "nearest": [
                    {"text": n.example.text, "entry": n.example.entry, "similarity": n.similarity}
                    for n in details.nearest
                ],
                "rules": list(details.rules),
            }
    return out


def _batch(limit: int, explain: bool) -> int:
    for line in sys.stdin:
        question = line.rstrip("\r\n")
        try:
            obj = answer_json(question, limit=limit, explain=explain)
        except InvalidInput as exc:
            obj = {
                "question": question,
                "hits": [],
                "error": {"code": exc.code, "zh": exc.zh, "en": exc.en},
            }
        print_json(obj, compact=True)
        sys.stdout.flush()
    return 0


def _ask(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise InvalidInput(
            f"--limit 须在 1 到 {MAX_LIMIT} 之间", f"--limit must be between 1 and {MAX_LIMIT}"
        )
    if args.question == ["-"]:
        return _batch(args.limit, args.explain)
    question = " ".join(args.question)
    result = answer_json(question, limit=args.limit, explain=args.explain)
    if args.json:
        print_json(result)
    else:
        print(render_answer(result, explain=args.explain))
    return 0


def render_answer(result: dict[str, Any], *, explain: bool = False) -> str:
    """Readable Chinese text for one answer."""
    hits = result["hits"]
    lines: list[str] = []
    if not hits:
        if not _has_cjk(result["question"]):
            lines.append(
                "方案为中文，请用中文提问。/ The plans are in Chinese: please ask in Chinese."
            )
        lines.append("未找到相关举措，请换个说法。/ No matching measure.")
        return "\n".join([*lines, *_explain_lines(result, explain)])
    if result["confident"]:
        best = hits[0]
        lines.append(f"答：{best['snippet']}")
        lines.append(f"出处：{_label(best)}")
        lines.append(f"牵头单位：{'、'.join(best['lead_units']) or '未列明'}")
        lines.append(f"时间节点：{best['deadline_note']}")
        if explain and best.get("matched_terms"):
            lines.append(f"匹配词：{'、'.join(best['matched_terms'])}")
        others = hits[1:]
        if others:
            lines.append("其他相关举措：")
    else:
        if not _has_cjk(result["question"]):
            lines.append(
                "方案为中文，请用中文提问。/ The plans are in Chinese: please ask in Chinese."
            )
        lines.append("没有找到能准确回答的举措，以下是最接近的几项：")
        lines.append("(No good match; the nearest measures follow.)")
        others = hits[:3]
    for hit in others:
        lines.append(f"  · {_label(hit)}（牵头：{'、'.join(hit['lead_units']) or '未列明'}）")
    if explain and result.get("expansions"):
        lines.append(f"同义扩展：{'；'.join(result['expansions'])}")
    return "\n".join([*lines, *_explain_lines(result, explain)])


def _explain_lines(result: dict[str, Any], explain: bool) -> list[str]:
    details = result.get("explain")
    if not explain or not details:
        return []
    return explain_lines(details)


def explain_lines(details: dict[str, Any]) -> list[str]:
    """The "what decided" block shared by ask and route (Chinese)."""

    def shares(items: list[dict[str, Any]]) -> str:
        return "；".join(f"{s['id']} {s['title']} {s['share']:.2f}" for s in items) or "无"

    lines = ["—— 判定依据 ——"]
    lines.append(f"模型：{shares(details['model'])}")
    lines.append(f"检索：{shares(details['retrieval'])}")
    if details.get("mixture"):
        lines.append(f"合计：{shares(details['mixture'])}")
    if details.get("words"):
        lines.append(
            "关键词（模型权重）：" + "、".join(f"{w}({s:.2f})" for w, s in details["words"])
        )
    for rule in details.get("rules", []):
        lines.append(f"规则：{rule}")
    if details.get("features"):
        lines.append(
            "置信度输入：" + "，".join(f"{k}={v:.2f}" for k, v in details["features"].items())
        )
    if details.get("nearest"):
        lines.append("最相近的语料：")
        lines.extend(
            f"  · [{n['entry'] or '-'}] {n['text']}（相似度 {n['similarity']:.2f}）"
            for n in details["nearest"]
        )
    return lines


def _has_cjk(text: str) -> bool:
    from knowledge.search.normalize import has_cjk  # noqa: PLC0415 - lazy import

    return has_cjk(text)


def _label(hit: dict[str, Any]) -> str:
    doc = (
        "2023年优化营商环境实施方案" if hit["doc"] == "2023-plan" else "2022年评价指标整改提升方案"
    )
    return f"{doc}（{hit['number']}）{hit['title']}"
