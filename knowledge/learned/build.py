"""Building the model file, and loading it (building it first when it is absent).

Owns the whole ``yousu train`` step: read the corpus and the knowledge base, teach the
segmenter the plans' terms (exactly as search does), fit the heads (``train``), fit the routing
confidence on the complaint head's out-of-fold predictions (``combine``), and write the file
(``artefact``). ``load_model`` is what the bot and the CLI call at start.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.learned import artefact
from knowledge.learned.corpus import CORPUS_DIR, Corpus, load_corpus
from knowledge.learned.features import Analyzer, FeatureConfig
from knowledge.learned.model import LearnedModel
from knowledge.learned.train import HEADS, HeadSpec, TrainedModel, train_model
from knowledge.model import Measure
from knowledge.routing.router import Router

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    model: LearnedModel
    path: Path | None  # where it was written (None: kept in memory)
    built: bool  # False when it was read from an existing file
    seconds: float


def _knowledge() -> tuple[list[Measure], list[str]]:
    from knowledge.base import load_knowledge_base  # noqa: PLC0415 - reads JSON

    kb = load_knowledge_base()
    names: list[str] = []
    for unit in kb.units.all_units():
        names.append(unit.name)
        names.extend(unit.aliases)
    return list(kb.measures), names


def analyzer_for(
    config: FeatureConfig, measures: Sequence[Measure], unit_names: Sequence[str]
) -> Analyzer:
    """The analyser, with the segmenter taught the same words as search teaches it."""
    from knowledge.search import segment  # noqa: PLC0415
    from knowledge.search.lexicon import default_lexicon  # noqa: PLC0415

    lexicon = default_lexicon()
    if config.words:
        segment.add_words(segment.plan_terms(measures, unit_names))
        segment.add_words(lexicon.all_terms())
    return Analyzer(config, lexicon)


def build_model(
    *,
    corpus_dir: Path = CORPUS_DIR,
    corpus: Corpus | None = None,
    config: FeatureConfig | None = None,
    heads: Sequence[HeadSpec] = HEADS,
    calibrate: bool = True,
    version: str | None = None,
    router: Router | None = None,
) -> LearnedModel:
    """Train a model on the corpus (``corpus``, else read from ``corpus_dir``) and the shipped
    knowledge base; deterministic. The routing confidence is calibrated with ``router``
    (default: the shipped retrieval router)."""
    if corpus is None:
        corpus = load_corpus(corpus_dir, entry_ids=[m.id for m in _knowledge()[0]])
    measures, unit_names = _knowledge()
    analyzer = analyzer_for(config or FeatureConfig(), measures, unit_names)
    # calibrating reads the corpus's complaints and questions again: analysed once for all
    with analyzer.remembering():
        model, trained = build_trained(
            corpus, heads, version or artefact.model_version(corpus_dir), config, analyzer
        )
        if calibrate and "complaint" in trained.heads and "financing" in trained.heads:
            started = time.perf_counter()
            model.combiner["route"] = route_calibration(model, trained, router)
            model.seconds += time.perf_counter() - started
        if calibrate and "question" in trained.heads:
            started = time.perf_counter()
            model.combiner["sentence"] = fit_sentence_ranker(model, corpus, router)
            model.seconds += time.perf_counter() - started
    return model


def build_trained(
    corpus: Corpus,
    heads: Sequence[HeadSpec] = HEADS,
    version: str = "dev",
    config: FeatureConfig | None = None,
    analyzer: Analyzer | None = None,
) -> tuple[LearnedModel, TrainedModel]:
    """The heads fitted on ``corpus`` and the shipped knowledge base, uncalibrated, with
    what training kept (out-of-fold predictions) for calibrating them. ``analyzer``: one
    already made for ``config`` (its memory of analysed texts is then kept)."""
    measures, unit_names = _knowledge()
    if analyzer is None:
        analyzer = analyzer_for(config or FeatureConfig(), measures, unit_names)
    with analyzer.remembering():
        trained = train_model(corpus, measures, analyzer, heads)
        return LearnedModel.from_trained(trained, version), trained


def fit_sentence_ranker(
    model: LearnedModel, corpus: Corpus, router: Router | None = None
) -> dict[str, object]:
    """The sentence ranker's weights (``knowledge.learned.sentences``), fitted on the corpus
    questions whose writers named the answering sentence: given the right entry, the
    answer against the entry's other sentences. A question does not vote for itself."""
    from knowledge import brain  # noqa: PLC0415 - the shipped searcher (retrieval)
    from knowledge.learned.combine import CombinedAsker, _sentence_of  # noqa: PLC0415
    from knowledge.learned.sentences import fit_ranker  # noqa: PLC0415
    from knowledge.search.normalize import normalize_query  # noqa: PLC0415

    asker = CombinedAsker((router or brain.retrieval_router()).searcher, model)
    by_id = {m.id: m for m in asker.measures}
    samples = []
    for example in corpus.questions:
        measure = by_id.get(str(example.entry))
        if not example.answer or measure is None:
            continue
        sentences, _matched, rows = asker.sentence_rows(
            normalize_query(example.text), measure, own=example.text
        )
        truth = _sentence_of(example.answer, sentences)
        if truth is not None:
            samples.append((rows, truth))
    return fit_ranker(samples)


def route_calibration(
    model: LearnedModel,
    trained: TrainedModel,
    router: Router | None = None,
    **options: Any,
) -> dict[str, object]:
    """The routing confidence's calibration, on the complaint head's out-of-fold
    predictions: a corpus complaint is right when its unit leads its entry, a spent one when
    its writer accepted the unit (the plan's lead units are not all equally right).
    ``options``: the ``CombinedRouter``'s (benches compare variants)."""
    from knowledge import brain  # noqa: PLC0415 - the shipped router (retrieval)
    from knowledge.learned.combine import CombinedRouter, fit_route_calibration  # noqa: PLC0415

    measures = _knowledge()[0]
    head = trained.heads["complaint"]
    financing = trained.heads["financing"]
    assert head.oof is not None and financing.oof is not None
    rows = [i for i, ex in enumerate(head.oof_examples) if ex.kind == "complaint"]
    texts = [head.oof_examples[i].text for i in rows]
    by_text = {
        ex.text: float(p[0]) for ex, p in zip(financing.oof_examples, financing.oof, strict=True)
    }
    by_id = {m.id: m for m in measures}
    units = [
        head.oof_examples[i].units
        or (
            *by_id[str(head.oof_examples[i].entry)].lead_units,
            *by_id[str(head.oof_examples[i].entry)].lead_groups,
        )
        for i in rows
    ]
    combined = CombinedRouter(router or brain.retrieval_router(), model, measures, **options)
    return fit_route_calibration(
        combined, texts, head.oof[rows], [by_text.get(t, 0.0) for t in texts], units
    )


def load_model(
    directory: Path | None = None, *, build_missing: bool = True, use_env: bool = True
) -> BuildResult | None:
    """The model for the current corpus, data and code: read from ``directory`` (default:
    ``artefact.model_dir()``), or built and written there when absent or stale. None when it
    is absent and ``build_missing`` is false."""
    started = time.perf_counter()
    if directory is None and use_env:
        directory = artefact.model_dir()
    version = artefact.model_version()
    path = directory / artefact.file_name(version) if directory is not None else None
    if path is not None:
        found = artefact.read(path, version)
        if found is not None:
            header, arrays = found
            measures, unit_names = _knowledge()
            analyzer = analyzer_for(FeatureConfig.from_dict(header["config"]), measures, unit_names)
            model = LearnedModel.from_parts(header, arrays, analyzer)
            return BuildResult(model, path, False, time.perf_counter() - started)
    if not build_missing:
        return None
    log.warning("构建语义模型（首次使用，约需半分钟）/ building the learned model (first use)")
    model = build_model(version=version)
    written = path is not None and artefact.write(path, model.to_bytes())
    return BuildResult(model, path if written else None, True, time.perf_counter() - started)
