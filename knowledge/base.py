"""The knowledge base as the rest of yousu sees it: the shipped measures and units.

``load_knowledge_base()`` reads only the shipped JSON under ``knowledge/data/`` (never the
source documents), once per process: ``yousu ask`` starts with it, so it must be fast.
Measures come yearly plans first, newest year first, then rectification plans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.errors import NotFound, YousuError
from knowledge.importer.anomalies import Anomaly
from knowledge.model import Measure
from knowledge.serialization import measure_from_dict
from knowledge.units import UNITS_FILE, UnitRegistry, load_registry

DATA_DIR = Path(__file__).resolve().parent / "data"
_DATA_FILE = re.compile(r"^(plan|rectification)-(\d{4})\.json$")


class KnowledgeBaseError(YousuError):
    """The shipped data files are missing or broken."""

    code = "knowledge_base_broken"
    http_status = 500


class MeasureNotFound(NotFound):
    code = "measure_not_found"

    def __init__(self, measure_id: str) -> None:
        self.measure_id = measure_id
        super().__init__(f"没有编号为“{measure_id}”的举措", f"no measure with id {measure_id!r}")


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All measures (yearly plans first, then rectification indicators) and the unit registry."""

    measures: tuple[Measure, ...]
    units: UnitRegistry
    _by_id: Mapping[str, Measure]
    #: the importer's anomaly report per document id, as shipped with the data
    anomalies: Mapping[str, tuple[Anomaly, ...]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        measures: tuple[Measure, ...],
        units: UnitRegistry,
        anomalies: Mapping[str, tuple[Anomaly, ...]] | None = None,
    ) -> KnowledgeBase:
        return cls(
            measures, units.with_measures(measures), {m.id: m for m in measures}, anomalies or {}
        )

    def by_id(self, measure_id: str) -> Measure:
        """The measure with this id (``2023-16``, ``2023-45b``, ``2022-14``)."""
        try:
            return self._by_id[measure_id]
        except KeyError:
            raise MeasureNotFound(measure_id) from None

    def of_doc(self, doc: str) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if m.doc == doc)


def _data_files(data_dir: Path) -> list[Path]:
    found = []
    for path in data_dir.iterdir():
        match = _DATA_FILE.match(path.name)
        if match:
            kind_rank = 0 if match.group(1) == "plan" else 1
            found.append((kind_rank, -int(match.group(2)), path))
    return [path for *_, path in sorted(found)]


def read_knowledge_base(data_dir: Path = DATA_DIR, units_file: Path = UNITS_FILE) -> KnowledgeBase:
    """Read a knowledge base from data files (uncached; tests and the importer use it)."""
    measures: list[Measure] = []
    anomalies: dict[str, tuple[Anomaly, ...]] = {}
    try:
        files = _data_files(data_dir)
        for path in files:
            payload = json.loads(path.read_text(encoding="utf-8"))
            measures.extend(measure_from_dict(raw) for raw in payload["measures"])
            anomalies[payload["doc"]] = tuple(
                Anomaly.from_dict(raw) for raw in payload.get("anomalies", ())
            )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KnowledgeBaseError(
            f"知识库数据文件损坏或缺失（{data_dir}）：{exc}",
            f"knowledge base data missing or broken ({data_dir}): {exc}",
        ) from exc
    if not files:
        raise KnowledgeBaseError(
            f"知识库目录中没有数据文件：{data_dir}", f"no data files in {data_dir}"
        )
    return KnowledgeBase.of(tuple(measures), load_registry(units_file), anomalies)


@lru_cache(maxsize=1)
def load_knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, read once per process."""
    return read_knowledge_base()
