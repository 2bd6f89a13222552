"""The report chart: Chinese labels drawn in the CJK font the project installs (no glyph
missing), a PNG that decodes to the size announced, the units in ranking order."""

from __future__ import annotations

import io
import warnings
from dataclasses import replace

import pytest
from matplotlib import font_manager
from PIL import Image

from bot.domain.records import UnitCounts
from bot.services.reports import UnitReport
from handlers.reports.chart import CHART_RATES, MISSED, NOTE, chart_rows, chart_size, render_chart
from handlers.reports.fonts import cjk_font_path, font_families, missing_glyphs
from knowledge.base import load_knowledge_base
from tests.reports.sample import sample_report, sample_trend


def _decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated or corrupt file fails here
    return image


def test_the_chart_font_is_the_packaged_cjk_font() -> None:
    assert cjk_font_path().is_file()
    found = font_manager.findfont(font_manager.FontProperties(family=font_families()))
    assert found == str(cjk_font_path())


def test_every_unit_name_and_label_has_a_glyph() -> None:
    units = [u.name for u in load_knowledge_base().units.all_units()]
    assert missing_glyphs([*units, NOTE, *(title for _, title in CHART_RATES)]) == []
    assert missing_glyphs(["区\U0010fffd局 "]) == ["\U0010fffd"]  # the check does bite


def test_the_chart_of_every_unit_renders_with_no_missing_glyph_at_its_size() -> None:
    report = sample_report()  # all 44 units of the registry
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns for each glyph it cannot draw
        png = render_chart(report, sample_trend())
    image = _decode(png)
    rows = chart_rows(report)
    assert len(rows) == len(report.units) == 45
    assert image.size == chart_size(len(rows)) == (1400, round((1.9 + 45 * 0.3 + 3.6) * 100))
    colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert tuple(int(MISSED[i : i + 2], 16) for i in (1, 3, 5)) in colours  # bars are drawn


def test_a_character_no_font_has_is_caught_while_drawing() -> None:
    report = sample_report(3)
    odd = replace(report.units[1], unit="区\U0010fffd局")
    report = replace(report, units=(report.units[0], odd, *report.units[2:]), ranking=())
    with warnings.catch_warnings(), pytest.raises(UserWarning, match="missing from font"):
        warnings.simplefilter("error")
        render_chart(report, sample_trend())


def test_rows_are_the_district_then_the_ranking() -> None:
    report = sample_report(6)
    labels = [label for label, _ in chart_rows(report)]
    assert labels[0] == "全区"
    expected = [
        (f"{r.position}. {r.unit}" + ("" if r.complete else "*")) if r.position else r.unit
        for r in report.ranking
    ]
    assert labels[1:] == expected
    assert labels[-1] == report.units[-1].unit  # nothing decided: listed last, not ranked


def test_an_empty_week_still_draws_a_chart() -> None:
    report = sample_report(0)
    district = UnitReport("全区", UnitCounts(unit=None), report.units[0].figures)
    report = replace(report, units=(district,), ranking=(), hot_topics=())
    trend = tuple(replace(w, received=0, figures=district.figures) for w in sample_trend())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        image = _decode(render_chart(report, trend))
    assert image.size == chart_size(1)
