"""`yousu train`: build the learned layer's model file from the labelled corpus.

``yousu train`` trains on ``knowledge/corpus`` and the shipped knowledge base and writes
``learned-<version>.bin`` to the model folder (``$YOUSU_MODEL_DIR``, else ``models/`` in the
cache folder); ``--out DIR`` writes it there instead. The version is the hash of the corpus,
the data and the training code, so the bot and the CLI find the file at start; rebuilding
gives the same bytes. Training itself lives in ``knowledge.learned``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bot.cli.output import bilingual_help, print_json
from bot.errors import YousuError


class NowhereToWrite(YousuError):
    code = "model_not_written"

    def __init__(self, where: str) -> None:
        super().__init__(f"模型无法写入：{where}", f"the model could not be written: {where}")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "train",
        help=bilingual_help("训练语义模型（由标注语料生成）", "build the learned model"),
        description=bilingual_help(
            "用 knowledge/corpus 的标注语料训练派单、问答与消息类型模型，写入带版本号的模型文件",
            "train the routing, answering and message-kind model; write the versioned file",
        ),
    )
    parser.add_argument(
        "--out", type=Path, help=bilingual_help("输出目录", "output folder (default: model dir)")
    )
    parser.add_argument("--json", action="store_true", help=bilingual_help("输出 JSON", "JSON"))
    parser.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    from knowledge.learned import artefact  # noqa: PLC0415 - lazy: keeps `yousu --help` fast
    from knowledge.learned.build import build_model  # noqa: PLC0415

    directory = args.out or artefact.model_dir()
    if directory is None:
        raise NowhereToWrite(f"{artefact.ENV_VAR} 为空 / {artefact.ENV_VAR} is empty")
    started = time.perf_counter()
    version = artefact.model_version()
    model = build_model(version=version)
    payload = model.to_bytes()
    seconds = time.perf_counter() - started
    path = directory / artefact.file_name(version)
    try:
        unchanged = path.read_bytes() == payload
    except OSError:
        unchanged = False
    if not unchanged and not artefact.write(path, payload):
        raise NowhereToWrite(str(path))
    route = model.combiner.get("route", {})
    result = {
        "version": version,
        "path": str(path),
        "bytes": len(payload),
        "unchanged": unchanged,
        "seconds": round(seconds, 1),
        "features": model.vectorizer.size,
        "heads": {name: len(h.classes) for name, h in sorted(model.heads.items())},
        "route_calibration": route,
    }
    if args.json:
        print_json(result)
        return 0
    state = (
        "与已有文件完全相同 / identical to the file on disk" if unchanged else "已写入 / written"
    )
    print(f"模型版本 / version: {version[:16]}")
    print(f"文件 / file: {path}（{len(payload) / 1e6:.1f} MB，{state}）")
    print(f"训练用时 / training: {seconds:.1f} s；特征 / features: {model.vectorizer.size}")
    heads = "，".join(
        f"{name} {'二分类' if h.binary else f'{len(h.classes)} 类'}"
        for name, h in sorted(model.heads.items())
    )
    print(f"分类头 / heads: {heads}")
    if route:
        print(
            f"派单置信度校准 / routing calibration: {route['examples']} 条诉求（交叉验证），"
            f"混合结果单位正确率 {route['accuracy']:.1%}"
        )
    return 0
