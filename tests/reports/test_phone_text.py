"""The weekly push as a phone shows it: the district's line, the three worst and three best
units, the hot topics; short lines, no unit named twice, an empty week said plainly."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.records import HotTopic, UnitCounts
from bot.services.report_text import render_phone
from bot.services.reports import UnitReport
from tests.reports.sample import sample_report

#: characters a phone shows on one line in Telegram without wrapping (CJK, portrait)
PHONE_LINE = 32


def test_the_push_names_the_three_worst_and_three_best_units() -> None:
    report = sample_report()
    text = render_phone(report)
    lines = text.splitlines()
    assert lines[0] == "偃师区“有诉即办”周报 2026-W48"
    assert lines[1] == "11月23日—11月29日 · 截至 11-30 08:30"
    district = report.units[0].counts
    assert f"【全区】受理 {district.received} 件，办结 {district.resolved} 件" in lines
    assert any(line.startswith("响应率 ") and "目标 100%" in line for line in lines)
    assert any(line.startswith("解决率 ") and "目标 90%" in line for line in lines)
    ranked = [r for r in report.ranking if r.position is not None]
    worst = lines[lines.index("【排名靠后】") + 1 : lines.index("【排名靠后】") + 7 : 2]
    best = lines[lines.index("【排名靠前】") + 1 : lines.index("【排名靠前】") + 7 : 2]
    assert [w.split(" ")[1].rstrip("*") for w in worst] == [r.unit for r in ranked[::-1][:3]]
    assert [b.split(" ")[1].rstrip("*") for b in best] == [r.unit for r in ranked[:3]]
    assert lines.index("【排名靠后】") < lines.index("【排名靠前】")  # the worst come first
    others = {r.unit for r in ranked[3:-3]}
    assert not any(unit in text for unit in others)  # only six units, not forty
    topic = lines.index("· 申请用电增容快两个月了，供电那边一直没给方案")
    assert lines[topic - 1] == "【热点】" and lines[topic + 1] == "  5 件，4 家企业"


def test_the_push_reads_on_a_phone() -> None:
    topic = HotTopic("t9", 7, 6, "我们公司在开发区的厂房一直办不下来不动产权证，跑了很多趟", None)
    report = sample_report()
    report = replace(report, hot_topics=(*report.hot_topics, topic, topic, topic))
    text = render_phone(report)
    assert len(text) < 1000  # one screen or two, not a table
    assert all(len(line) <= PHONE_LINE for line in text.splitlines()), text
    assert "|" not in text  # no table columns to line up
    assert "· 我们公司在开发区的厂房一直办不下来不动产权证，跑了…\n  7 件，6 家企业" in text
    assert "另有 2 个热点" in text


def test_a_short_ranking_names_no_unit_twice() -> None:
    text = render_phone(sample_report(3))  # two ranked units, one with nothing decided
    assert "【排名靠后】" not in text and text.count("【排名靠前】") == 1
    report = sample_report(3)
    for unit in report.ranking:
        assert text.count(f" {unit.unit} ") + text.count(f" {unit.unit}* ") <= 1


def test_an_empty_week_says_so() -> None:
    report = sample_report(0)
    district = UnitReport("全区", UnitCounts(unit=None, overdue_open=2), report.units[0].figures)
    text = render_phone(replace(report, units=(district,), ranking=(), hot_topics=()))
    assert "【全区】本周没有受理诉求。" in text and "超期在办 2 件" in text
    assert "排名" not in text and "热点" not in text
