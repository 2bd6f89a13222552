"""`yousu import-plan FILE`: import a plan document (.txt/.docx), report anomalies, write data.

The shipped data under ``knowledge/data`` is only overwritten when asked for explicitly
(``--out knowledge/data``); by default the files go to a new temporary folder.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bot.cli.output import bilingual_help
from knowledge.base import load_knowledge_base
from knowledge.importer import format_report, import_document
from knowledge.importer.build import ROOT, write_result
from knowledge.importer.document import Kind

#: --kind values: the generic kinds and the two shipped documents' ids
KINDS: dict[str, Kind | None] = {
    "auto": None,
    "plan": "plan",
    "rectification": "rectification",
    "2023-plan": "plan",
    "2022-rectification": "rectification",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import-plan",
        help=bilingual_help(
            "导入方案文件（.txt/.docx）并输出异常报告", "import a plan document, report anomalies"
        ),
    )
    parser.add_argument("file", type=Path, help=bilingual_help("方案文件", "plan document"))
    parser.add_argument(
        "--kind",
        choices=tuple(KINDS),
        default="auto",
        help=bilingual_help("文件类型（默认按标题识别）", "document kind (default: from title)"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        help=bilingual_help(
            "数据文件输出目录（默认新建临时目录）", "output folder (default: a new temp folder)"
        ),
    )
    parser.set_defaults(handler=_import_plan)


def _import_plan(args: argparse.Namespace) -> int:
    known = tuple(m for m in load_knowledge_base().measures if m.doc.endswith("-plan"))
    result = import_document(args.file, kind=KINDS[args.kind], known=known)
    print(format_report(result.doc, result.anomalies))
    out_dir: Path = args.out or Path(tempfile.mkdtemp(prefix="yousu-import-"))
    target = write_result(result, out_dir, _source_name(args.file))
    print(
        f"{result.doc}：{len(result.measures)} 条 / entries；"
        f"{len(result.anomalies)} 项异常 / anomalies\n写入 / wrote {target}"
    )
    return 0


def _source_name(path: Path) -> str:
    """The source as recorded in the data file: repo-relative when inside the repository,
    so re-importing a shipped source with ``--out knowledge/data`` reproduces it exactly."""
    resolved = path.resolve()
    if resolved.is_relative_to(ROOT):
        return resolved.relative_to(ROOT).as_posix()
    return path.name
