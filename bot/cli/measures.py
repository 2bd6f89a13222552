"""`yousu measures`: the whole knowledge base, one entry per measure or indicator."""

from __future__ import annotations

import argparse

from bot.cli.output import bilingual_help, print_json
from bot.errors import NotFound
from knowledge.base import load_knowledge_base
from knowledge.views import measure_entry


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "measures",
        help=bilingual_help("列出方案中的全部举措与指标", "list every measure and indicator"),
    )
    parser.add_argument(
        "--json", action="store_true", help=bilingual_help("输出 JSON 数组", "print a JSON array")
    )
    parser.add_argument(
        "--doc",
        help=bilingual_help(
            "只列某一文件（如 2023-plan、2022-rectification）", "only one document"
        ),
    )
    parser.set_defaults(handler=_measures)


def _measures(args: argparse.Namespace) -> int:
    kb = load_knowledge_base()
    measures = kb.of_doc(args.doc) if args.doc else kb.measures
    if args.doc and not measures:
        known = "、".join(sorted({m.doc for m in kb.measures}))
        raise NotFound(
            f"没有文件“{args.doc}”，可选：{known}",
            f"unknown document {args.doc!r}; known: {known}",
        )
    if args.json:
        print_json([measure_entry(m) for m in measures])
        return 0
    for measure in measures:
        leads = "、".join(measure.lead_units) or "（无）"
        deadline = measure.deadline.normalized or "（无）"
        print(f"{measure.id:<10} {deadline:<10} {measure.title}  [{leads}]")
    counts = "，".join(f"{doc} {len(kb.of_doc(doc))}" for doc in sorted({m.doc for m in measures}))
    print(f"共 {len(measures)} 条 / {len(measures)} entries（{counts}）")
    return 0
