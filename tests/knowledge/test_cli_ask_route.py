"""`yousu ask` and `yousu route` end to end through the CLI entry point (small measures)."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli import main

HIT_KEYS = {"id", "doc", "number", "title", "section", "lead_units", "deadline", "snippet", "score"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("small_brain")
def test_ask_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "新注册公司要几个工作日")
    assert code == 0
    result = json.loads(out)
    assert result["question"] == "新注册公司要几个工作日"
    assert 1 <= len(result["hits"]) <= 5
    best = result["hits"][0]
    assert set(best) >= HIT_KEYS
    assert best["id"] == "2023-16"
    assert "1个工作日办结" in best["snippet"]
    assert best["lead_units"] == ["区市场监管局"]


@pytest.mark.usefixtures("small_brain")
def test_ask_human_output_is_chinese_with_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--explain", "厂里想拉电找谁")
    assert code == 0
    assert "优化办电服务" in out
    assert "牵头单位：区供电公司" in out
    assert "匹配词" in out


@pytest.mark.usefixtures("small_brain")
def test_ask_english_gets_no_match_and_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "how do I register a company")
    assert code == 0
    assert "请用中文提问" in out
    # nothing in common with any measure (score 0): no measure is offered as an answer
    assert "未找到相关举措" in out and "·" not in out


@pytest.mark.usefixtures("small_brain")
@pytest.mark.parametrize("question", ["   ", "😀😀", "<br/>"])
def test_ask_empty_is_a_bilingual_error(capsys: pytest.CaptureFixture[str], question: str) -> None:
    code, out, err = run(capsys, "ask", question)
    assert code == 2
    assert out == ""
    assert "错误" in err and "Error" in err


@pytest.mark.usefixtures("small_brain")
def test_ask_bad_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", "--limit", "0", "企业开办")
    assert code == 2
    assert "--limit" in err


@pytest.mark.usefixtures("small_brain")
def test_ask_batch_keeps_order_and_reports_bad_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["厂里想拉电找谁", "", "投标押金能不能不交", "\x00\x01", "企业" * 5000]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = run(capsys, "ask", "-")
    assert code == 0
    objs = [json.loads(line) for line in out.splitlines()]
    assert len(objs) == len(lines)
    assert objs[0]["hits"][0]["id"] == "2023-26"
    assert objs[1]["error"]["code"] == "empty_query"
    assert objs[2]["hits"][0]["id"] == "2023-31"
    assert "error" in objs[3]
    assert objs[4]["hits"]


@pytest.mark.usefixtures("small_brain")
def test_route_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "route", "--json", "银行抽贷了，企业资金链快断了")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {
        "text",
        "lead_unit",
        "co_units",
        "measure",
        "confidence",
        "sla_policy",
        "needs_dispatcher",
    }
    assert result["lead_unit"] == "区金融工作局"
    assert result["sla_policy"] == "1330"
    assert set(result["measure"]) == {"id", "doc", "number", "title"}


@pytest.mark.usefixtures("small_brain")
def test_route_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "route", "--explain", "车间三天两头停电")
    assert code == 0
    assert "牵头单位：区供电公司" in out
    assert "依据" in out


@pytest.mark.usefixtures("small_brain")
def test_route_batch(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("车间停电\n\n想办信用贷款\n"))
    code, out, _ = run(capsys, "route", "-")
    assert code == 0
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o.get("sla_policy") for o in objs] == ["general", None, "1330"]
    assert objs[1]["error"]["code"] == "empty_query"


@pytest.mark.usefixtures("small_brain")
def test_route_empty_is_a_bilingual_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "route", " \t ")
    assert code == 2
    assert "错误" in err and "Error" in err


@pytest.mark.usefixtures("small_brain")
def test_ask_json_without_good_match_lists_nearest_titles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "ask", "--json", "想问问政策")
    assert code == 0
    result = json.loads(out)
    assert result["confident"] is False
    # the nearest are the hits that share something with the question (none here)
    assert result["nearest_titles"] == [h["title"] for h in result["hits"][:3]]
    assert all(hit["score"] > 0 for hit in result["hits"])


@pytest.mark.usefixtures("small_brain")
def test_ask_lists_no_related_measure_that_scores_zero(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "ask", "--json", "停电")
    assert code == 0
    result = json.loads(out)
    assert result["confident"] is True
    assert [h["id"] for h in result["hits"]] == ["2023-26"]


@pytest.mark.usefixtures("small_brain")
def test_ask_json_with_nothing_in_common_shows_no_measure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "ask", "--json", "what is the weather today")
    assert code == 0
    result = json.loads(out)
    assert result["confident"] is False
    assert result["hits"] == [] and result["nearest_titles"] == []


@pytest.mark.usefixtures("small_brain")
def test_ask_html_and_control_characters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", "<script>x</script>\x07拉电\u200b找谁")
    assert code == 0
    assert json.loads(out)["hits"][0]["id"] == "2023-26"


@pytest.mark.usefixtures("small_brain")
def test_route_english_asks_for_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "route", "hello world")
    assert code == 0
    assert "请用中文描述诉求" in out
    assert "待派单员确定" in out
