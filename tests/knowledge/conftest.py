"""Shared fixtures: the shipped knowledge base and unit registry (read once), small hand-made
measures for search and routing unit tests, and search/routing over the shipped plans."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge import brain
from knowledge.base import KnowledgeBase, load_knowledge_base
from knowledge.model import Deadline, Measure
from knowledge.routing import Router
from knowledge.search import Searcher, cache
from knowledge.units import UnitRegistry, load_registry

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "knowledge" / "sources"


def _measure(
    mid: str, title: str, text: str, lead: tuple[str, ...], co: tuple[str, ...] = ()
) -> Measure:
    return Measure(
        id=mid,
        doc="2023-plan",
        section="（一）测试环境",
        subsection="1．测试",
        number=mid.split("-")[1],
        title=title,
        text=f"{title}。{text}",
        deadline=Deadline("2023年11月", "2023-11"),
        lead_units=lead,
        co_units=co,
    )


SMALL_MEASURES = (
    _measure(
        "2023-16",
        "持续优化企业开办服务",
        "深化“企业开办+N项服务”，推行线上一网申请、线下一窗办理。持续压缩企业开办时间，"
        "实现企业开办全程1个工作日办结。免费刻制首套公章，实现企业开办全程零收费。",
        ("区市场监管局",),
    ),
    _measure(
        "2023-26",
        "优化办电服务",
        "推广网上用电报装应用场景，提升“刷脸办电”应用率。全天候推行不停电作业。"
        "力争年户均停电时间低于1小时。",
        ("区供电公司",),
    ),
    _measure(
        "2023-31",
        "推进保函形式提交保证金工作",
        "推行保函替代现金缴纳投标、履约、工程质量等保证金，鼓励招标人对中小微企业免除投标担保。",
        ("区财政局",),
    ),
    _measure(
        "2023-34",
        "提升金融服务能力",
        "组织银企面对面沟通，全年累计投放信贷资金60亿元以上。针对企业反馈的融资需求，启动“1330”响应机制"
        "（既首个工作日取得联系、3个工作日反馈结果、贷款审批周期最长不超过30个工作日）。",
        ("区金融工作局", "中国人民银行偃师支行", "偃师银保监组"),
        ("区发改委", "工信局"),
    ),
    _measure(
        "2023-62",
        "构建完善的出口退税服务体系",
        "推进出口退税无纸化办理，进一步优化出口退税服务，提升出口退税整体效率。",
        ("区商务局", "税务局"),
    ),
    _measure(
        "2023-67",
        "提升公共服务供给能力",
        "对高层次人才提供住房、子女入学、医疗保健等服务保障。力争新增幼儿园学位300个、中小学学位900个。",
        ("区教体局", "卫健委"),
    ),
)


@pytest.fixture(scope="session", autouse=True)
def _search_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The search cache (knowledge.search.cache) of these tests is theirs, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        directory = tmp_path_factory.mktemp("search-cache")
        patch.setenv(cache.ENV_VAR, str(directory))
        yield directory


@pytest.fixture(scope="session")
def small_searcher() -> Searcher:
    return Searcher(SMALL_MEASURES)


@pytest.fixture(scope="session")
def small_router(small_searcher: Searcher) -> Router:
    return Router(small_searcher)


@pytest.fixture
def small_brain() -> Iterator[None]:
    """Point the CLI's knowledge at the small measures for one test."""
    brain.use_measures(SMALL_MEASURES)
    yield
    brain.use_measures(None)


@pytest.fixture(scope="session")
def plans() -> tuple[Searcher, Router]:
    """Searcher and router over the shipped knowledge base (both plans)."""
    return brain.searcher(), brain.router()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def registry() -> UnitRegistry:
    return load_registry()
