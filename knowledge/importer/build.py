"""Writing data files from import results, and rebuilding the shipped knowledge base.

``python -m knowledge.importer.build`` re-imports the two source documents under
``knowledge/sources/`` and rewrites ``knowledge/data/`` (what a test compares against).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from knowledge.importer.anomalies import format_report
from knowledge.importer.document import ImportResult, import_document
from knowledge.model import Measure
from knowledge.serialization import document_payload, dumps
from knowledge.units import UnitRegistry, load_registry

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "knowledge" / "sources"
DATA = ROOT / "knowledge" / "data"
#: shipped sources, yearly plans first: a plan's measures help spot fragments in the next file
SHIPPED_SOURCES: tuple[str, ...] = ("plan-2023.txt", "rectification-2022.txt")


def render(result: ImportResult, source: str) -> str:
    """The data file's text for one import."""
    return dumps(
        document_payload(
            doc=result.doc,
            kind=result.kind,
            year=result.year,
            title=result.title,
            source=source,
            measures=result.measures,
            anomalies=[a.to_dict() for a in result.anomalies],
        )
    )


def write_result(result: ImportResult, out_dir: Path, source: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / result.file_name
    target.write_text(render(result, source), encoding="utf-8")
    return target


def import_shipped(registry: UnitRegistry | None = None) -> list[tuple[ImportResult, str]]:
    """Import the shipped sources, in order, each knowing the measures before it."""
    registry = registry or load_registry()
    known: list[Measure] = []
    results: list[tuple[ImportResult, str]] = []
    for name in SHIPPED_SOURCES:
        result = import_document(SOURCES / name, registry=registry, known=known)
        known.extend(result.measures)
        results.append((result, f"knowledge/sources/{name}"))
    return results


def rebuild(out_dir: Path = DATA) -> Sequence[Path]:
    written = []
    for result, source in import_shipped():
        print(format_report(result.doc, result.anomalies))
        written.append(write_result(result, out_dir, source))
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in rebuild():
        print(f"写入 / wrote {path}")
