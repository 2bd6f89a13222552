"""`yousu measures`, `yousu units` and `yousu import-plan` through ``bot.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

from .conftest import SOURCES


def test_measures_json_lists_72_and_15(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert len(entries) == 87
    assert sum(e["doc"] == "2023-plan" for e in entries) == 72
    assert sum(e["doc"] == "2022-rectification" for e in entries) == 15
    required = {
        "id",
        "doc",
        "section",
        "subsection",
        "number",
        "title",
        "deadline",
        "deadline_raw",
        "lead_units",
        "co_units",
        "text",
    }
    assert all(required <= set(e) for e in entries)
    by_id = {e["id"]: e for e in entries}
    assert by_id["2023-16"]["lead_units"] == ["区市场监管局"]
    assert by_id["2023-16"]["deadline"] == "2023-11"
    assert by_id["2023-16"]["deadline_raw"] == "2023年11月"
    assert by_id["2022-14"]["lead_units"] == ["区发改委"]
    assert by_id["2022-11"]["parts"][-1]["deadline"]["year_inferred"] is True


def test_measures_filtered_by_doc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", "--json", "--doc", "2022-rectification"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in entries] == [f"2022-{n}" for n in range(1, 16)]


def test_measures_unknown_doc_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures", "--doc", "1999-plan"]) == 2
    assert "1999-plan" in capsys.readouterr().err


def test_measures_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures"]) == 0
    out = capsys.readouterr().out
    assert "2023-45b" in out and "区市场监管局" in out
    assert "87" in out.splitlines()[-1]


def test_units_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "--json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    market = entries["区市场监管局"]
    assert "市场监管局" in market["aliases"]
    assert "2023-16" in market["leads"]
    assert entries["各镇办"]["kind"] == "group" and entries["各镇办"]["leads"] == []


def test_units_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units"]) == 0
    assert "区人民法院" in capsys.readouterr().out


def test_import_plan_writes_to_out_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["import-plan", str(SOURCES / "rectification-2022.txt"), "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "truncated_heading" in out and "missing_units" in out
    data = json.loads((tmp_path / "rectification-2022.json").read_text(encoding="utf-8"))
    assert len(data["measures"]) == 15
    assert any(a["kind"] == "year_less_deadline" for a in data["anomalies"])


def test_import_plan_with_explicit_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "import-plan",
            str(SOURCES / "plan-2023.txt"),
            "--kind",
            "2023-plan",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    assert "duplicate_number" in capsys.readouterr().out
    assert (tmp_path / "plan-2023.json").exists()


@pytest.mark.parametrize(
    "content",
    [None, b"", b"\x00\x01\x02binary" * 50, "偃师区2023年方案".encode("gbk") * 10],
)
def test_import_plan_bad_files_exit_nonzero_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "bad.txt"
    if content is not None:
        path.write_bytes(content)
    assert main(["import-plan", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and "Error" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
