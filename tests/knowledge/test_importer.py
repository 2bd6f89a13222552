"""The importer: shipped data is what it produces, fragments, .docx, bad files, anomalies."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from knowledge.base import KnowledgeBase, read_knowledge_base
from knowledge.importer import format_report, import_document, import_lines
from knowledge.importer.build import DATA, import_shipped, render, write_result
from knowledge.importer.reading import DocumentError
from knowledge.units import UnitRegistry, UnknownUnit

from .conftest import SOURCES

PLAN = SOURCES / "plan-2023.txt"
RECTIFICATION = SOURCES / "rectification-2022.txt"


@pytest.fixture(scope="module")
def shipped() -> list[tuple[object, str]]:
    return import_shipped()  # type: ignore[return-value]


def test_sources_are_the_seeds_byte_for_byte() -> None:
    seeds = Path("/work/shared/seeds")
    if not seeds.exists():
        pytest.skip("seed folder not on this machine")
    assert PLAN.read_bytes() == (seeds / "000_3c9f62d57b09dfca.txt").read_bytes()
    assert RECTIFICATION.read_bytes() == (seeds / "001_0bb53a292d739038.txt").read_bytes()


def test_reimporting_the_seeds_gives_the_shipped_data_exactly() -> None:
    for result, source in import_shipped():
        shipped_text = (DATA / result.file_name).read_text(encoding="utf-8")
        assert render(result, source) == shipped_text, result.file_name


def test_anomaly_report_of_the_plan() -> None:
    result = import_document(PLAN)
    kinds = [a.kind for a in result.anomalies]
    assert kinds.count("duplicate_number") == 3
    assert kinds.count("off_year_deadline") == 3
    assert "missing_deadline" not in kinds and "missing_units" not in kinds
    report = format_report(result.doc, result.anomalies)
    assert "2023-45b" in report and "2023-47b" in report


def test_anomaly_report_of_the_rectification_plan() -> None:
    result = import_document(RECTIFICATION)
    by_kind: dict[str, list[str]] = {}
    for anomaly in result.anomalies:
        by_kind.setdefault(anomaly.kind, []).append(anomaly.item)
    assert by_kind["missing_units"] == ["2022-14"]
    assert by_kind["truncated_heading"] == ["2022-4"]
    assert by_kind["numbering"] == ["2022-12"]
    assert by_kind["declared_lead"] == ["2022-2"]
    assert by_kind["year_less_deadline"] == ["2022-11 （三）"]
    assert "2022-3" in by_kind["borrowed_block"]
    assert "stray_fragment" not in by_kind  # the shipped seed has no pasted fragment


def test_shipped_anomalies_are_available_as_data(kb: KnowledgeBase) -> None:
    shipped = {a.kind for a in kb.anomalies["2022-rectification"]}
    assert {"missing_units", "truncated_heading", "year_less_deadline"} <= shipped
    assert len(kb.anomalies["2023-plan"]) == 6


def _with_fragment(tmp_path: Path, lines: list[str], at: int | None = None) -> Path:
    source = RECTIFICATION.read_text(encoding="utf-8").splitlines()
    if at is None:
        source += lines
    else:
        source[at:at] = lines
    path = tmp_path / "rectification-with-fragment.txt"
    path.write_text("\n".join(source) + "\n", encoding="utf-8")
    return path


def test_fragment_of_the_plan_at_the_end_is_excluded(tmp_path: Path, kb: KnowledgeBase) -> None:
    plan_lines = PLAN.read_text(encoding="utf-8").splitlines()
    path = _with_fragment(tmp_path, plan_lines[162:172])  # 13．… and measures 45-47
    known = kb.of_doc("2023-plan")
    result = import_document(path, known=known)
    clean = import_document(RECTIFICATION)
    assert len(result.measures) == 15
    assert [m.parts for m in result.measures] == [m.parts for m in clean.measures]
    stray = [a for a in result.anomalies if a.kind == "stray_fragment"]
    assert len(stray) == 1
    # the fragment starts with the plan's subsection heading, right after the document
    assert stray[0].line == len(RECTIFICATION.read_text(encoding="utf-8").splitlines()) + 1
    assert "2023-45" in stray[0].detail and "2023-47" in stray[0].detail


def test_fragment_without_known_measures_is_found_by_its_layout(tmp_path: Path) -> None:
    plan_lines = PLAN.read_text(encoding="utf-8").splitlines()
    # measure 40 (时间节点 on its own line) pasted between indicators 十一 and 12
    path = _with_fragment(tmp_path, plan_lines[147:149], at=240)
    result = import_document(path)
    assert len(result.measures) == 15
    market = result.measures[11]
    assert market.title == "市场监管指标整改提升方案"
    assert all("内部人举报" not in part.text for m in result.measures for part in m.parts)
    assert [a.kind for a in result.anomalies].count("stray_fragment") == 1


def test_docx_import_gives_the_same_measures(tmp_path: Path) -> None:
    for source in (PLAN, RECTIFICATION):
        document = docx.Document()
        for line in source.read_text(encoding="utf-8").splitlines():
            document.add_paragraph(line)
        path = tmp_path / (source.stem + ".docx")
        document.save(str(path))
        assert import_document(path).measures == import_document(source).measures


def test_written_data_reads_back_as_a_knowledge_base(tmp_path: Path) -> None:
    for result, source in import_shipped():
        write_result(result, tmp_path, source)
    rebuilt = read_knowledge_base(tmp_path)
    assert len(rebuilt.measures) == 87
    assert rebuilt.by_id("2022-14").lead_units == ("区发改委",)


def test_unknown_unit_fails_the_import_with_line_and_closest(tmp_path: Path) -> None:
    text = PLAN.read_text(encoding="utf-8").replace(
        "责任单位：区税务局牵头", "责任单位：区税捐局牵头", 1
    )
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnknownUnit) as caught:
        import_document(path)
    error = caught.value
    assert error.name == "区税捐局"
    assert "第44行" in error.zh and "2023-plan" in error.zh
    assert "区税务局" in error.closest and len(error.closest) == 3


def test_missing_units_and_deadline_lines_are_reported(registry: UnitRegistry) -> None:
    lines = [
        "洛阳市偃师区2024年优化营商环境实施方案",
        "三、主要内容",
        "（一）打造高效便捷的政务环境",
        "1．提升涉企决策水平",
        "（1）支持企业参与决策。内容。",
        "（2）加强政务公开。内容。",
        "时间节点：2024年6月",
        "四、保障措施",
    ]
    result = import_lines(lines, registry=registry)
    assert [m.id for m in result.measures] == ["2024-1", "2024-2"]
    kinds = sorted((a.kind, a.item) for a in result.anomalies)
    assert ("missing_deadline", "2024-1") in kinds
    assert ("missing_units", "2024-1") in kinds
    assert ("missing_units", "2024-2") in kinds
    assert result.measures[1].deadline.normalized == "2024-06"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "为空"),
        ("blank.txt", b"\n  \n", "没有文字"),
        ("binary.txt", bytes(range(256)) * 4, "二进制"),
        ("gbk.txt", "洛阳市偃师区2023年优化营商环境实施方案".encode("gbk"), "UTF-8"),
        ("broken.docx", b"PK\x03\x04 not really a zip", ".docx"),
        ("notitle.txt", "随便写点什么\n".encode(), "年份"),
        ("nomeasures.txt", "洛阳市偃师区2024年优化营商环境实施方案\n正文\n".encode(), "没有找到"),
    ],
)
def test_bad_files_give_a_named_bilingual_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        import_document(path)
    assert message in caught.value.zh
    assert caught.value.en


def test_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        import_document(tmp_path / "nope.txt")


def test_rectification_without_deadlines_or_measures_is_reported(registry: UnitRegistry) -> None:
    lines = [
        "偃师区2024年度营商环境评价指标整改提升方案",
        "一、开办企业指标整改提升方案",
        "主要问题：",
        "一是流程仍需优化。",
        "整改措施：",
        "（一）优化流程。",
        "责任单位：区市场监管局",
        "二、办理建筑许可指标整改提升方案",
        "主要问题：",
        "一是耗时较长。",
    ]
    result = import_lines(lines, registry=registry)
    assert [m.id for m in result.measures] == ["2024-1", "2024-2"]
    assert result.measures[0].lead_units == ("区市场监管局",)
    kinds = {(a.kind, a.item) for a in result.anomalies}
    assert ("missing_deadline", "2024-1") in kinds
    assert ("missing_units", "2024-2") in kinds


def test_old_word_and_pdf_files_are_refused_by_name(tmp_path: Path) -> None:
    for name in ("plan.doc", "plan.pdf", "plan.WPS"):
        path = tmp_path / name
        path.write_bytes(b"\xd0\xcf\x11\xe0 some binary")
        with pytest.raises(DocumentError) as caught:
            import_document(path)
        assert ".docx" in caught.value.zh


def test_huge_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("knowledge.importer.reading.MAX_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_text("洛阳市偃师区2023年优化营商环境实施方案\n" * 100, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        import_document(path)
    assert "过大" in caught.value.zh
