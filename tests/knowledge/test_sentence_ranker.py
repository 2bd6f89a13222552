"""The choice of the quoted sentence (``knowledge.learned.sentences``) and the spent blind
batches as training lines (``knowledge.learned.corpus``)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import brain
from knowledge.learned.combine import CombinedAsker
from knowledge.learned.corpus import CORPUS_DIR, CorpusError, corpus_files, load_corpus
from knowledge.learned.sentences import (
    FEATURES,
    HAND_WEIGHTS,
    best,
    features,
    fit_ranker,
    weights_of,
)


def _column(name: str) -> int:
    return FEATURES.index(name)


def test_features_score_each_candidate() -> None:
    sentences = [
        "政府采购合同约定首付款支付方式的，首付款比例原则上不低于合同金额的50%",
        "对于中小企业，首付款支付比例原则上不低于合同金额的70%",
        "评价发现首付款支付时间较长",
    ]
    rows = features(
        "中小企业首付款比例不低于多少",
        sentences,
        lexical=[2.0, 1.0, 0.5],
        similarity=[0.3, 0.4, 0.1],
        votes=[0.0, 1.0, 0.0],
        problems=frozenset(),
        nearest=[0.2, 0.9, 0.0],
    )
    assert rows.shape == (3, len(FEATURES))
    assert rows[:, _column("lexical")].tolist() == [1.0, 0.5, 0.25]
    assert rows[:, _column("lexical_best")].tolist() == [1.0, 0.0, 0.0]
    # the question's "中小企业" is held by the second sentence only
    assert rows[1, _column("coverage")] > rows[0, _column("coverage")]
    assert rows[:, _column("figure_asked")].tolist() == [1.0, 1.0, 0.0]
    assert rows[:, _column("problem")].tolist() == [0.0, 0.0, 1.0]
    assert rows[:, _column("position")].tolist() == [0.0, 0.5, 1.0]
    assert rows[:, _column("nearest")].tolist() == [0.2, 0.9, 0.0]


def test_no_number_asked_gives_no_figure_credit() -> None:
    rows = features("怎么申请", ["办理时限3个工作日"], [1.0], [0.0], [0.0], frozenset())
    assert rows[0, _column("figure_asked")] == 0.0
    assert rows[0, _column("duration_asked")] == 0.0


def test_the_ranker_learns_which_feature_marks_the_answer() -> None:
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(60):
        rows = rng.random((5, len(FEATURES)))
        truth = int(rng.integers(5))
        rows[truth, _column("votes")] += 1.0  # only the votes tell the answer
        samples.append((rows, truth))
    fitted = fit_ranker(samples)
    assert fitted["features"] == list(FEATURES)
    assert fitted["questions"] == 60
    weights = np.asarray(fitted["weights"])
    assert int(np.argmax(weights)) == _column("votes")
    assert all(best(rows, weights) == truth for rows, truth in samples)


def test_a_model_without_fitted_weights_uses_the_hand_formula() -> None:
    assert weights_of({}).tolist() == list(HAND_WEIGHTS)
    other = {"sentence": {"features": ["lexical"], "weights": [3.0]}}
    assert weights_of(other).tolist() == list(HAND_WEIGHTS)  # fitted on other features
    fitted = {"sentence": {"features": list(FEATURES), "weights": [2.0] * len(FEATURES)}}
    assert weights_of(fitted).tolist() == [2.0] * len(FEATURES)


def test_the_shipped_model_carries_fitted_sentence_weights() -> None:
    asker = brain.asker()
    assert isinstance(asker, CombinedAsker)
    fitted = asker.model.combiner["sentence"]
    assert fitted["features"] == list(FEATURES)
    assert fitted["questions"] > 1000
    assert asker.sentence_weights.tolist() == fitted["weights"]
    assert asker.sentence_weights.tolist() != list(HAND_WEIGHTS)


def test_spent_batches_train_the_entry_heads() -> None:
    corpus = load_corpus()
    spent = [e for e in corpus.entries if e.group == "spent"]
    questions = [e for e in spent if e.kind == "question"]
    complaints = [e for e in spent if e.kind == "complaint"]
    assert questions and complaints and all(e.entry for e in spent)
    assert any(e.answer for e in questions) and not any(e.answer for e in complaints)
    # a complaint keeps its batch's SLA policy: the financing head learns from it
    assert {e.sla for e in complaints} == {"1330", "general"}
    assert all(e.style.startswith("spent:") for e in spent)
    # chat lines of spent batches (and complaints without an entry) train the kind head only
    assert any(m.group == "spent" and m.kind == "complaint" for m in corpus.messages)
    assert all(m.entry is None for m in corpus.messages)


def test_a_spent_complaint_keeps_a_measure_its_accepted_unit_leads() -> None:
    spec = importlib.util.spec_from_file_location(
        "spent_batches", Path(__file__).parents[2] / "scripts" / "spent_batches.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    complaint_entry = script.complaint_entry
    measures = {m.id: m for m in brain.searcher().measures}
    entry = complaint_entry(
        "我去财政局问贷款的事，财政局说不归他们管，贷款到现在批不下来", ["区金融工作局"]
    )
    assert entry is not None
    assert "区金融工作局" in measures[entry].lead_units
    assert complaint_entry("电费太贵了", ["不存在的单位"]) is None


def _copy_corpus(tmp_path: Path, spent_line: dict[str, object]) -> Path:
    for path in corpus_files():
        if path.exists():
            (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "spent.jsonl").write_text(
        json.dumps(spent_line, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return tmp_path


def test_a_spent_line_naming_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    line = {"kind": "question", "text": "怎么办", "entry": "2099-1", "source": "q.jsonl"}
    directory = _copy_corpus(tmp_path, line)
    with pytest.raises(CorpusError, match="2099-1"):
        load_corpus(directory, entry_ids=[m.id for m in brain.searcher().measures])
    assert directory != CORPUS_DIR


def test_a_spent_line_of_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    directory = _copy_corpus(tmp_path, {"kind": "rant", "text": "x", "source": "i.jsonl"})
    with pytest.raises(CorpusError, match="rant"):
        load_corpus(directory)


def test_stacked_vectors_dot_like_one_at_a_time() -> None:
    from knowledge.learned.features import SparseRows  # noqa: PLC0415

    model = brain.learned_model()
    assert model is not None
    texts = ["新开公司刻章还要钱吗", "小饭馆通天然气要走几个环节", "政府采购合同首付款比例", "😀"]
    vectors = [model.vector(t) for t in texts]
    stacked = SparseRows.of(vectors)
    for q in vectors:
        assert np.allclose(stacked.dot(q), [q.dot(v) for v in vectors], atol=1e-6)
    assert stacked.dot(vectors[0])[0] == pytest.approx(1.0, abs=1e-5)  # normalised
    assert SparseRows.of([]).dot(vectors[0]).shape == (0,)
