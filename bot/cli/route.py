"""`yousu route`: name the lead unit for a complaint, with the measure and the SLA policy.

``yousu route TEXT`` prints the decision in Chinese; ``--json`` prints it as JSON;
``--explain`` adds what decided (the model's and retrieval's best measures and their mixture,
the words that counted, the rules that fired, the nearest corpus complaints, the inputs of the
confidence); ``yousu route -`` reads one complaint per line and prints one JSON object per
line, in order.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from bot.cli.output import bilingual_help, print_json
from bot.errors import InvalidInput


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "route",
        help=bilingual_help(
            "诉求派单：确定牵头单位与时限策略", "route a complaint to its lead unit"
        ),
        description=bilingual_help(
            "按方案确定诉求的牵头单位、对应举措和时限策略；“-”表示逐行读取标准输入并输出 JSON",
            "route a complaint by the plans; '-' reads one complaint per line (JSONL out)",
        ),
    )
    parser.add_argument(
        "text", nargs="+", help=bilingual_help("诉求内容，或“-”读标准输入", "complaint, or '-'")
    )
    parser.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    parser.add_argument(
        "--explain",
        action="store_true",
        help=bilingual_help(
            "显示依据：相近语料、关键词与规则", "show what decided: examples, words, rules"
        ),
    )
    parser.set_defaults(handler=_route)


def route_json(text: str, *, explain: bool = False) -> dict[str, Any]:
    """The JSON object for one complaint (also each line of batch mode)."""
    from knowledge import brain  # noqa: PLC0415 - lazy: keeps `yousu --help` fast
    from knowledge.learned.combine import CombinedRouter  # noqa: PLC0415

    router = brain.router()
    details = None
    if explain and isinstance(router, CombinedRouter):
        details = router.explain(text)
        decision = details.decision
    else:
        decision = router.route(text)
    out: dict[str, Any] = {
        "text": text,
        "lead_unit": decision.lead_unit,
        "co_units": list(decision.co_units),
        "measure": asdict(decision.measure) if decision.measure else None,
        "confidence": decision.confidence,
        "sla_policy": decision.sla_policy,
        "needs_dispatcher": decision.needs_dispatcher,
    }
    if explain:
        out["matched_terms"] = list(decision.matched_terms)
        out["explanation"] = decision.explanation
        if details is not None:
            out["explain"] = {
                "model": _shares(details.model),
                "retrieval": _shares(details.retrieval),
                "mixture": _shares(details.mixture),
                "words": [[w, s] for w, s in details.words],
                "rules": list(details.rules),
                "features": dict(details.features),
                "financing": details.financing,
                "nearest": [
                    {"text": n.example.text, "entry": n.example.entry, "similarity": n.similarity}
                    for n in details.nearest
                ],
            }
    return out


def _shares(shares: Any) -> list[dict[str, Any]]:
    return [{"id": s.id, "title": s.title, "share": s.share} for s in shares]


def _batch(explain: bool) -> int:
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        try:
            obj = route_json(text, explain=explain)
        except InvalidInput as exc:
            obj = {"text": text, "error": {"code": exc.code, "zh": exc.zh, "en": exc.en}}
        print_json(obj, compact=True)
        sys.stdout.flush()
    return 0


def _route(args: argparse.Namespace) -> int:
    if args.text == ["-"]:
        return _batch(args.explain)
    result = route_json(" ".join(args.text), explain=args.explain)
    if args.json:
        print_json(result)
        return 0
    print(render_route(result, explain=args.explain))
    return 0


def render_route(result: dict[str, Any], *, explain: bool = False) -> str:
    """Readable Chinese text for one routing decision."""
    from knowledge.search.normalize import has_cjk  # noqa: PLC0415 - lazy import

    lines = []
    if result["lead_unit"] is None and not has_cjk(result["text"]):
        lines.append("请用中文描述诉求。/ Please describe the complaint in Chinese.")
    lines.append(f"牵头单位：{result['lead_unit'] or '待派单员确定'}")
    if result["co_units"]:
        lines.append(f"配合单位：{'、'.join(result['co_units'])}")
    measure = result["measure"]
    if measure:
        lines.append(f"对应举措：（{measure['number']}）{measure['title']}")
    policy = "“1330”融资诉求机制" if result["sla_policy"] == "1330" else "一般诉求时限"
    lines.append(f"时限策略：{policy}（{result['sla_policy']}）")
    lines.append(f"置信度：{result['confidence']:.2f}")
    if result["needs_dispatcher"]:
        lines.append("需派单员确认。/ A dispatcher must confirm.")
    if explain:
        from bot.cli.ask import explain_lines  # noqa: PLC0415

        lines.append(f"依据：{result.get('explanation', '')}")
        if result.get("explain"):
            lines.append(f"融资诉求概率：{result['explain']['financing']:.2f}")
            lines.extend(explain_lines(result["explain"]))
    return "\n".join(lines)
