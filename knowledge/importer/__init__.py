"""The importer: plan documents (.txt/.docx) in, measures and an anomaly report out.

``import_document`` reads one document, recognises its kind (a yearly 优化营商环境实施方案 or a
评价指标整改提升方案), parses it into ``knowledge.model.Measure`` objects with canonical unit
names, and lists everything odd it met. ``knowledge.importer.build`` writes the data files.
"""

from knowledge.importer.anomalies import Anomaly, format_report
from knowledge.importer.document import ImportResult, detect_kind, import_document, import_lines

__all__ = [
    "Anomaly",
    "ImportResult",
    "detect_kind",
    "format_report",
    "import_document",
    "import_lines",
]
