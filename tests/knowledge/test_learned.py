"""The learned layer (knowledge.learned): training is deterministic, the model file is
versioned and built when absent, and the heads and the combination get clear cases right.

Small models are trained on a few entries of the corpus (seconds); the shipped model is the
one ``knowledge.brain`` loads (built once per version into the shared model folder, see
tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from knowledge import brain
from knowledge.intent import MessageKind, classify_message
from knowledge.learned import artefact, build
from knowledge.learned.combine import CombinedAsker, CombinedRouter
from knowledge.learned.corpus import CORPUS_DIR, KINDS, Corpus, load_corpus
from knowledge.learned.model import LearnedModel
from knowledge.learned.sentences import FEATURES
from knowledge.learned.train import HEADS

SMALL_ENTRIES = {"2023-16", "2023-26", "2023-34", "2023-43"}
#: the real builder (some tests put a fake in its place)
BUILD_MODEL = build.build_model


def small_corpus() -> Corpus:
    corpus = load_corpus()
    return Corpus(
        tuple(e for e in corpus.entries if e.entry in SMALL_ENTRIES), corpus.messages[::3]
    )


def small_model(version: str = "test") -> LearnedModel:
    heads = [h for h in HEADS if h.name in ("complaint", "kind", "financing")]
    return BUILD_MODEL(corpus=small_corpus(), heads=heads, calibrate=False, version=version)


@pytest.fixture(scope="module")
def shipped() -> tuple[CombinedRouter, CombinedAsker]:
    router, asker = brain.router(), brain.asker()
    assert isinstance(router, CombinedRouter) and isinstance(asker, CombinedAsker)
    return router, asker


# -- training, the file, its version --------------------------------------------------------


def test_training_is_deterministic() -> None:
    first, second = small_model().to_bytes(), small_model().to_bytes()
    assert first == second


def test_the_file_round_trips() -> None:
    model = small_model()
    header, arrays = artefact.loads(model.to_bytes())
    again = LearnedModel.from_parts(header, arrays, model.vectorizer.analyzer)
    assert again.to_bytes() == model.to_bytes()
    text = "供电公司装表拖了两个月"
    assert again.probabilities("complaint", text) == model.probabilities("complaint", text)


def test_a_corrupt_file_is_refused() -> None:
    data = bytearray(small_model().to_bytes())
    with pytest.raises(artefact.ModelFileError):
        artefact.loads(bytes(data[:40]))
    data[:5] = b"xxxxx"
    with pytest.raises(artefact.ModelFileError):
        artefact.loads(bytes(data))


def test_the_version_is_the_hash_of_corpus_data_and_code(tmp_path: Path) -> None:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, copy)
    assert artefact.model_version(copy) == artefact.model_version(CORPUS_DIR)
    path = copy / "messages.jsonl"
    path.write_text(
        path.read_text(encoding="utf-8")
        + json.dumps({"kind": "thanks", "text": "多谢多谢"})
        + "\n",
        encoding="utf-8",
    )
    assert artefact.model_version(copy) != artefact.model_version(CORPUS_DIR)
    sources = {p.name for p in artefact.source_files()}
    assert {"entries.part1.jsonl", "lexicon.json", "train.py", "searcher.py"} <= sources
    assert artefact.file_name("ab" * 32) == f"learned-{'ab' * 8}.bin"


def test_absent_model_is_built_written_then_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def fake_build(*, version: str | None = None, **_: object) -> LearnedModel:
        calls.append(str(version))
        return small_model(version or "test")

    monkeypatch.setattr(build, "build_model", fake_build)
    first = build.load_model(tmp_path)
    assert first is not None and first.built and calls == [artefact.model_version()]
    assert first.path == tmp_path / artefact.file_name(artefact.model_version())
    assert first.path.read_bytes() == first.model.to_bytes()
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    second = build.load_model(tmp_path)
    assert second is not None and not second.built and len(calls) == 1
    assert second.model.to_bytes() == first.model.to_bytes()
    # a file for another version or a broken one is rebuilt, not trusted
    first.path.write_bytes(b"not a model")
    third = build.load_model(tmp_path)
    assert third is not None and third.built and len(calls) == 2
    assert build.load_model(tmp_path / "empty", build_missing=False) is None


def test_rebuilding_the_shipped_model_gives_the_same_file() -> None:
    model = brain.learned_model()
    assert model is not None
    assert model.version == artefact.model_version()
    rebuilt = build.build_model(version=model.version)
    assert rebuilt.to_bytes() == model.to_bytes()


def test_yousu_train_writes_the_versioned_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(build, "build_model", lambda **kw: small_model(kw.get("version")))
    assert main(["train", "--out", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    path = Path(result["path"])
    assert path.parent == tmp_path and path.name == artefact.file_name(result["version"])
    assert result["version"] == artefact.model_version() and not result["unchanged"]
    assert main(["train", "--out", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] is True


# -- the message-kind head -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我那个电的事怎么样了", MessageKind.STATUS),
        ("都一个礼拜了怎么还没人联系我，能不能快点", MessageKind.CHASE),
        ("问题已经解决了，非常满意，谢谢你们", MessageKind.VERDICT),
        ("补充一下，我们厂的地址在首阳山街道工业园3号", MessageKind.FOLLOWUP),
        ("请问新开办的企业刻公章要收费吗？", MessageKind.QUESTION),
        ("供电所给我们新厂装表拖了两个月，一直说排不上计划，生产线干等着", MessageKind.COMPLAINT),
        ("怎么查我提交的诉求进度？", MessageKind.HELP),
    ],
)
def test_the_kind_head_on_clear_cases(text: str, kind: MessageKind) -> None:
    intent = classify_message(text)
    assert intent.kind == kind, intent


def test_message_kind_probabilities_cover_every_kind() -> None:
    from knowledge.learned import message_kind_probabilities  # noqa: PLC0415

    p = message_kind_probabilities("你们好，想咨询个事")
    assert set(p) == set(KINDS)
    assert abs(sum(p.values()) - 1) < 1e-3


# -- the combination on clear cases ---------------------------------------------------------


def test_a_complaint_goes_to_the_plans_lead_unit(
    shipped: tuple[CombinedRouter, CombinedAsker],
) -> None:
    d = shipped[0].route("新厂房报装用电快两个月了，供电所一直说在排计划，设备进场了通不了电")
    assert d.lead_unit is not None and "供电" in d.lead_unit
    assert d.sla_policy == "general" and not d.needs_dispatcher


def test_a_unit_that_refused_does_not_win(shipped: tuple[CombinedRouter, CombinedAsker]) -> None:
    d = shipped[0].route(
        "给镇政府修的路验收两年了，工程款一百多万还欠着，我去财政局问，财政局说不归他们管"
    )
    assert d.lead_unit is not None and "财政" not in d.lead_unit
    assert d.sla_policy == "general"  # money owed is not a financing request


def test_a_loan_request_is_1330_to_the_financial_units(
    shipped: tuple[CombinedRouter, CombinedAsker],
) -> None:
    d = shipped[0].route("厂里想扩建生产线，向银行申请五百万贷款，两个月了银行一直不批也不说原因")
    assert d.sla_policy == "1330"
    assert d.lead_unit is not None and "金融" in d.lead_unit


def test_a_number_question_quotes_the_sentence_with_the_number(
    shipped: tuple[CombinedRouter, CombinedAsker],
) -> None:
    answer = shipped[1].answer("企业开办全程最多要几个工作日？")
    assert answer.confident and answer.hits[0].measure.id == "2023-16"
    assert "1个工作日" in answer.hits[0].snippet


def test_off_topic_is_no_answer(shipped: tuple[CombinedRouter, CombinedAsker]) -> None:
    for question in ("今天天气怎么样", "股票明天会涨吗", "what is the weather on mars"):
        answer = shipped[1].answer(question)
        assert not answer.confident
        assert all(hit.score > 0 for hit in answer.hits)


def test_doubtful_complaints_go_to_a_dispatcher(
    shipped: tuple[CombinedRouter, CombinedAsker],
) -> None:
    d = shipped[0].route("有个事想反映一下，挺麻烦的")
    assert d.needs_dispatcher and d.confidence < shipped[0].dispatch_threshold


def test_similarity_sees_a_paraphrase_as_closer_than_another_matter() -> None:
    from knowledge.learned import similarity  # noqa: PLC0415

    a = "新厂房报装用电两个月了，供电所一直说排计划，还没通电"
    paraphrase = "我们新厂申请接电快俩月了，供电那边老说在排计划，电到现在没通"
    other = "食品经营许可证办了一个月还没下来，窗口说材料不全"
    assert similarity(a, paraphrase) > similarity(a, other) + 0.1
    assert 0.0 <= similarity(a, other) <= similarity(a, a) <= 1.0


def test_a_lead_unit_shown_as_refusing_gives_way_to_the_measure_s_other_lead() -> None:
    # 2023-10 (bankruptcy) is led by 区市场监管局 and 区人民法院; the owner says the first
    # refused (and its topic word 注销 does not bring it back), so the second is chosen
    decision = brain.router().route(
        "俺厂资不抵债想走破产，去市场监管局问，人家说破产得找别的部门，注销才归他们"
    )
    assert decision.measure is not None and decision.measure.id == "2023-10"
    assert decision.lead_unit == "区人民法院"


# -- explanations ----------------------------------------------------------------------------


def test_route_explain_names_examples_words_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    text = "我去财政局反映，财政局说不归他们管，镇政府欠我们的工程款两年了"
    assert main(["route", "--explain", text]) == 0
    out = capsys.readouterr().out
    assert "最相近的语料" in out and "关键词" in out and "置信度输入" in out
    assert "推诿/被投诉单位不作依据：财政" in out
    assert main(["route", "--explain", "--json", text]) == 0
    details = json.loads(capsys.readouterr().out)["explain"]
    assert len(details["nearest"]) == 3 and details["words"] and details["model"]
    assert set(details["features"]) == {
        "mixture",
        "model",
        "retrieval",
        "agree",
        "best_hit",
        "sole_lead",
    }


def test_ask_explain_names_examples_words_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--explain", "企业开办全程要几个工作日"]) == 0
    out = capsys.readouterr().out
    assert "时间节点：方案原定 2023年11月 完成" in out
    assert "问数字：优先引用含数字的句子" in out and "最相近的语料" in out


# -- a complaint that also asks -------------------------------------------------------------


def _kind_model(complaint: float, question: float):  # type: ignore[no-untyped-def]
    def model(_text: str) -> dict[str, float]:
        rest = (1 - complaint - question) / (len(KINDS) - 2)
        return {
            k: complaint if k == "complaint" else question if k == "question" else rest
            for k in KINDS
        }

    return model


@pytest.mark.parametrize(
    ("text", "complaint", "question", "filed"),
    [
        # asks, and the head is not sure enough: asked back
        ("厂里想上个光伏，并网咋个流程？", 0.70, 0.25, False),
        ("说好的补贴到现在没发，还算不算数了？", 0.90, 0.22, False),
        ("俺那厂房接电拖了俩月，有没有人管", 0.75, 0.05, False),
        # asks, but the head is sure it is a complaint and barely a question: filed
        ("报装都一个月了没人来装表，这事到底谁管？", 0.95, 0.04, True),
        # does not ask: the head's word stands
        ("供电所给我们新厂装表拖了两个月，生产线干等着", 0.70, 0.25, True),
    ],
)
def test_a_complaint_that_asks_is_filed_only_when_the_head_is_sure(
    text: str, complaint: float, question: float, filed: bool
) -> None:
    intent = classify_message(text, model=_kind_model(complaint, question))
    assert intent.kind is MessageKind.COMPLAINT
    assert intent.confident is filed, intent
    assert (intent.source == "model+question-form") is not filed


def test_the_nearest_corpus_questions_vote_for_their_answering_sentence(
    shipped: tuple[CombinedRouter, CombinedAsker],
) -> None:
    _router, asker = shipped
    measure = next(m for m in asker.searcher.measures if m.id == "2023-16")
    sentences = asker.searcher.sentences_of(measure)
    votes = asker._votes("新开公司刻章还要钱吗", measure, sentences)
    assert abs(votes.sum() - 1) < 1e-6
    # the writers' answer to questions about seal fees is the sentence on free first seals
    assert "免费刻制首套公章" in sentences[int(votes.argmax())]
    # a question whose words the rule's sentence barely shares: the votes pick it
    question = "专利能不能拿去银行押了贷款呢"
    measure = next(m for m in asker.searcher.measures if m.id == "2023-54")
    saved = asker.sentence_weights
    # without what the labelled questions say (their votes, the nearest one's answer)
    asker.sentence_weights = saved * ~np.isin(np.array(FEATURES), ["votes", "nearest"])
    try:
        plain, _ = asker.sentence(question, measure)
    finally:
        asker.sentence_weights = saved
    voted, _ = asker.sentence(question, measure)
    assert "质押融资" in voted
    assert plain != voted  # the labelled questions decided it


@pytest.mark.parametrize(
    ("text", "answered"),
    [
        ("新厂要上高压电，要走几个环节？", True),
        ("店里想接自来水，一般多长时间能通上", True),
        ("纳税信用是A，能凭这个贷点款不", True),
        # asks nothing: as often a grievance told plainly, so asked back
        ("有人冒用俺公司名义在网上收定金，已经好几个人找上门来要钱了", False),
    ],
)
def test_a_question_that_asks_nothing_is_asked_back(text: str, answered: bool) -> None:
    def model(_text: str) -> dict[str, float]:
        rest = 0.2 / (len(KINDS) - 1)
        return {k: 0.8 if k == "question" else rest for k in KINDS}

    intent = classify_message(text, model=model)
    assert intent.kind is MessageKind.QUESTION
    assert intent.confident is answered, intent


@pytest.mark.parametrize(
    ("complaint", "question", "answered", "also_asked"),
    [
        (0.01, 0.90, True, False),  # a plain policy question
        (0.05, 0.85, True, True),  # answered, and asked whether to handle it too
        (0.19, 0.70, True, True),  # just below the doubt
        (0.20, 0.70, False, False),  # the head sees a grievance too: asked which it is
        (0.35, 0.60, False, False),
    ],
)
def test_a_question_that_may_be_a_grievance_is_asked_back(
    complaint: float, question: float, answered: bool, also_asked: bool
) -> None:
    text = "电子营业执照下载不了，银行非要电子执照才能开户，咋整啊"
    intent = classify_message(text, model=_kind_model(complaint, question))
    assert intent.kind is MessageKind.QUESTION
    assert intent.confident is answered, intent
    assert intent.may_be_complaint is also_asked
    assert (intent.source == "model+grievance") is not answered


@pytest.mark.parametrize(
    ("text", "filed"),
    [
        ("再说一句，那个检查的人没出示证件", False),
        ("反映了都十天了，咋还没人给俺打电话", False),
        ("俺那个电的事到底还管不管了", False),
        ("补充：变压器是400千伏安的", False),
        ("就是前天反映那个窗口的问题，又补了一次材料还是不行", False),
        ("上周报过的停电，今天又停了", False),
        ("还有，当时收钱的那个人姓王", False),
        ("接着上回说的那个排污的事，这两天又排了", False),
        ("对，就是上回说的那个停电，今天又停了", False),
        ("前面投诉的那个事，照片我都拍了，发给你们", False),
        ("在上一条后面加一下：一共欠了三个人的钱", False),
        # a complaint that refers to nothing told before is filed, also when it tells what
        # someone said before ("之前说好", "上回说的")
        ("供电所给我们新厂装表拖了两个月，生产线干等着", True),
        ("俺那个厂子门口的路挖开三个月没人填", True),
        ("之前说好能续贷，现在又不给续了", True),
        ("还有没有人管了，门口的路挖开三个月没人填", True),
        ("厂子要上一条新生产线，变压器容量不够，报装一个月没动静", True),
        ("消防验收每次都提新问题，上回说的改完了这回又换个说法", True),
    ],
)
def test_a_text_that_refers_back_is_not_filed_at_once(text: str, filed: bool) -> None:
    intent = classify_message(text, model=_kind_model(0.9, 0.02))
    assert intent.kind is MessageKind.COMPLAINT
    assert intent.confident is filed, intent
    assert (intent.source == "model+refers-back") is not filed


def test_writing_a_model_keeps_only_the_newest_few(tmp_path: Path) -> None:
    old = []
    for i in range(5):
        path = tmp_path / artefact.file_name(f"{i:016x}")
        path.write_bytes(b"old")
        os.utime(path, ns=(i * 10**9, i * 10**9))
        old.append(path)
    other = tmp_path / "notes.txt"
    other.write_text("not a model", encoding="utf-8")
    newest = tmp_path / artefact.file_name("f" * 16)
    assert artefact.write(newest, b"new")
    kept = sorted(p.name for p in tmp_path.glob("learned-*.bin"))
    # the new file and the two written last before it; nothing else in the folder touched
    assert kept == sorted([newest.name, old[4].name, old[3].name])
    assert other.exists() and newest.read_bytes() == b"new"
    # a folder of fewer files loses none
    assert artefact.prune(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "kind", "source"),
    [
        # a salutation says nothing of what follows: what follows is classified
        ("你好，我是做建材的，想申请一笔流动资金贷款，能帮忙对接银行吗", "complaint", "model"),
        ("领导您好，厂里出口退税两个月没到账", "complaint", "model"),
        ("您好！请问企业开办要几天", "question", "model"),
        ("你好，在吗", "greeting", "rule:greeting"),
        ("你好", "greeting", "rule:greeting"),
        ("您好，，，", "greeting", "rule:greeting"),
        # "你好" inside a text is no salutation
        ("我跟窗口说你好，人家理都不理", "complaint", "model"),
        # a rating with its reason is a verdict, however it reads
        ("1星。说好的三天反馈，等了十来天", "verdict", "rule:rating+reason"),
        ("给五星，办得快", "verdict", "rule:rating+reason"),
        ("5星", "verdict", "rule:rating"),
        ("3星级酒店的消防验收卡了两个月", "complaint", "model"),
    ],
)
def test_a_salutation_or_a_rating_decides_by_what_it_is(text: str, kind: str, source: str) -> None:
    seen: list[str] = []

    def model(body: str) -> dict[str, float]:
        seen.append(body)
        # the model reads a greeting in anything that still starts with one
        if body.startswith(("你好", "您好", "领导")):
            return _kind_model(0.1, 0.1)(body) | {"greeting": 0.8}
        asks = "请问" in body
        return _kind_model(0.05 if asks else 0.9, 0.9 if asks else 0.02)(body)

    intent = classify_message(text, model=model)
    assert intent.kind.value == kind and intent.source == source, intent
    if source == "model":
        assert seen and not seen[0].startswith(("你好", "您好", "领导"))
