"""The search cache: jieba's dictionary in shards and the segmented measures, kept on disk.

The cache must only ever make start-up faster: a missing directory is created, a corrupt or
stale file is ignored and rebuilt, an unwritable location means no cache, and every answer
is the same with and without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge import brain
from knowledge.search import Searcher, bags, cache, segment
from knowledge.search.lexicon import load_lexicon
from knowledge.search.snippet import measure_sentences

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "bench" / "heldout" / "questions.colloquial.2026-11-25.jsonl"

QUESTIONS = [
    "新注册公司要几个工作日",
    "开个饭店要跑几趟",
    "想找银行借点钱周转",
    "厂里要拉一路电多久能通",
    "投标保证金能不能用保函",
    "娃上学的事找谁",
    "出口退税多久到账",
    "今天天气怎么样",
]


def _questions() -> list[str]:
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()
    return QUESTIONS + [json.loads(line)["question"] for line in lines if line.strip()]


def _unwritable(tmp_path: Path) -> Path:
    """A cache location that cannot be created, even by root: its parent is a file."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    return blocker / "cache"


# -- the cache file ---------------------------------------------------------------------


def test_entry_round_trip_creates_the_directory_git_ignored(tmp_path: Path) -> None:
    directory = tmp_path / "a" / "b"
    key = cache.make_key("k")
    assert cache.write(directory, "e.bin", key, b"payload")
    assert bytes(cache.read(directory, "e.bin", key) or b"") == b"payload"
    assert (directory / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []


def test_stale_corrupt_truncated_or_foreign_entries_read_as_missing(tmp_path: Path) -> None:
    key = cache.make_key("k")
    cache.write(tmp_path, "e.bin", key, b"payload" * 100)
    assert cache.read(tmp_path, "e.bin", cache.make_key("other")) is None
    path = tmp_path / "e.bin"
    good = path.read_bytes()
    path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    assert cache.read(tmp_path, "e.bin", key) is None
    path.write_bytes(good[:-5])
    assert cache.read(tmp_path, "e.bin", key) is None
    path.write_bytes(b"not a cache at all")
    assert cache.read(tmp_path, "e.bin", key) is None
    assert cache.read(tmp_path / "missing", "e.bin", key) is None


def test_unwritable_location_is_no_cache_not_an_error(tmp_path: Path) -> None:
    directory = _unwritable(tmp_path)
    assert not cache.write(directory, "e.bin", cache.make_key("k"), b"x")
    assert cache.read(directory, "e.bin", cache.make_key("k")) is None


def test_keys_are_unambiguous() -> None:
    assert cache.make_key("ab", "c") != cache.make_key("a", "bc")
    assert cache.make_key(["a", "b"]) != cache.make_key(["ab"])
    assert cache.make_key("a") != cache.make_key(b"a")


def test_cache_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path))
    assert cache.cache_dir() == tmp_path
    monkeypatch.setenv(cache.ENV_VAR, "")
    assert cache.cache_dir() is None
    monkeypatch.delenv(cache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "yousu"


# -- jieba's dictionary -----------------------------------------------------------------


def _plan_words() -> list[str]:
    measures, names, _ = brain._load()
    words = segment.plan_terms(measures, names) | load_lexicon().all_terms()
    # an added word that is a prefix of another, and one already in jieba's dictionary
    words |= {"企业", "营业执", "营业执照办理"}
    return sorted(w for w in words if len(w) >= 2 and " " not in w)


def _texts() -> list[str]:
    measures, _, _ = brain._load()
    texts = [s for m in measures for s in measure_sentences(m)]
    return texts + [m.title for m in measures] + _questions()


@pytest.fixture(scope="module")
def plain_tokenizer() -> Any:
    """jieba loading its own dictionary (no cache), with the plans' words added by jieba."""
    tok = segment.new_tokenizer(None)
    assert type(tok.FREQ) is dict
    for word in _plan_words():
        tok.add_word(word, 20000)
    return tok


@pytest.fixture(scope="module")
def dictionary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dictionary")
    segment.new_tokenizer(directory)  # writes the entry
    return directory


def _segmentations(tok: Any, texts: list[str]) -> list[list[str]]:
    return [list(tok.cut_for_search(t)) for t in texts] + [tok.lcut(t) for t in texts]


def test_first_run_writes_the_dictionary_and_later_runs_read_it(tmp_path: Path) -> None:
    directory = tmp_path / "missing" / "cache"
    first = segment.new_tokenizer(directory)
    assert type(first.FREQ) is dict
    assert (directory / segment.DICT_ENTRY).is_file()
    second = segment.new_tokenizer(directory)
    assert isinstance(second.FREQ, segment.ShardedFreq)
    assert second.total == first.total


def test_sharded_dictionary_segments_exactly_like_jieba(
    plain_tokenizer: Any, dictionary_dir: Path
) -> None:
    lazy = segment.new_tokenizer(dictionary_dir)
    assert isinstance(lazy.FREQ, segment.ShardedFreq)
    for word in _plan_words():
        segment.add_word(lazy, word, 20000)
    assert lazy.total == plain_tokenizer.total
    texts = _texts()
    assert _segmentations(lazy, texts) == _segmentations(plain_tokenizer, texts)
    # every lookup jieba can make on these texts answers the same
    for text in texts[:200]:
        for i in range(len(text)):
            for j in range(i + 1, min(len(text), i + 6) + 1):
                frag = text[i:j]
                assert (frag in lazy.FREQ) == (frag in plain_tokenizer.FREQ)
                assert lazy.FREQ.get(frag) == plain_tokenizer.FREQ.get(frag)
    # and as one plain dict (for bulk segmentation)
    assert lazy.FREQ.to_dict() == plain_tokenizer.FREQ


def test_jieba_add_word_on_the_sharded_dictionary_is_still_jieba(
    plain_tokenizer: Any, dictionary_dir: Path
) -> None:
    lazy = segment.new_tokenizer(dictionary_dir)
    for word in _plan_words():
        lazy.add_word(word, 20000)  # jieba's own add_word: []= and `in`
    texts = _texts()[:300]
    assert _segmentations(lazy, texts) == _segmentations(plain_tokenizer, texts)


@pytest.mark.parametrize("damage", ["corrupt", "stale", "truncated", "bad-layout"])
def test_damaged_dictionary_is_ignored_and_rebuilt(
    damage: str, dictionary_dir: Path, tmp_path: Path
) -> None:
    good = (dictionary_dir / segment.DICT_ENTRY).read_bytes()
    path = tmp_path / segment.DICT_ENTRY
    if damage == "corrupt":
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1 :])
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 3])
    elif damage == "stale":
        cache.write(tmp_path, segment.DICT_ENTRY, cache.make_key("old jieba"), good[100:])
    else:  # the checksum is right but the content is not a sharded dictionary
        key = segment.dictionary_key(segment._import_jieba())
        assert key is not None
        cache.write(tmp_path, segment.DICT_ENTRY, key, b"\x00" * 64)
    tok = segment.new_tokenizer(tmp_path)
    assert type(tok.FREQ) is dict  # fell back to jieba's own loading
    assert path.read_bytes() == good  # and rewrote the entry
    assert isinstance(segment.new_tokenizer(tmp_path).FREQ, segment.ShardedFreq)


def test_unwritable_cache_still_segments(tmp_path: Path, plain_tokenizer: Any) -> None:
    tok = segment.new_tokenizer(_unwritable(tmp_path))
    assert type(tok.FREQ) is dict
    assert tok.total > 0
    assert tok.lcut("新注册公司要几个工作日")


# -- the segmented measures -------------------------------------------------------------


@pytest.fixture
def bag_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "bags-cache"
    monkeypatch.setenv(cache.ENV_VAR, str(directory))
    yield directory


def _bag_texts() -> list[str]:
    measures, _, _ = brain._load()
    return [s for m in measures[:20] for s in measure_sentences(m)] + ["重复", "重复"]


def _no_segmenting(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str) -> list[str]:
        raise AssertionError(f"segmented {text!r} although it was cached")

    monkeypatch.setattr(segment, "cut", fail)


def test_bags_are_cached_and_equal(bag_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts, stop = _bag_texts(), load_lexicon().stopwords
    fresh = bags.segment_texts(texts, stop)  # not asked to cache
    assert not (bag_cache / bags.ENTRY).exists()
    first = bags.segment_texts(texts, stop, cached=True)
    assert (bag_cache / bags.ENTRY).is_file()
    with monkeypatch.context() as patch:
        _no_segmenting(patch)
        second = bags.segment_texts(texts, stop, cached=True)
    assert fresh == first == second
    # term order decides term ids in the index, so it must survive the cache too
    assert [list(b) for b in second.values()] == [list(b) for b in fresh.values()]


def test_stale_bags_are_rebuilt(bag_cache: Path) -> None:
    texts, stop = _bag_texts(), load_lexicon().stopwords
    bags.segment_texts(texts, stop, cached=True)
    fewer_stopwords = set(stop) - {"的"}
    rebuilt = bags.segment_texts(texts, fewer_stopwords, cached=True)
    assert rebuilt == bags.segment_texts(texts, fewer_stopwords)
    assert any(b["的"] for b in rebuilt.values())
    changed = bags.segment_texts([*texts, "新的一句话"], stop, cached=True)
    assert "新的一句话" in changed


@pytest.mark.parametrize("damage", ["corrupt", "garbage-payload"])
def test_corrupt_bags_are_ignored_and_rebuilt(
    damage: str, bag_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts, stop = _bag_texts(), load_lexicon().stopwords
    expected = bags.segment_texts(texts, stop, cached=True)
    path = bag_cache / bags.ENTRY
    good = path.read_bytes()
    if damage == "corrupt":
        path.write_bytes(good[:-10] + bytes(10))
    else:  # a valid entry for the right key whose payload is not bags
        key = good[len(cache._MAGIC) : len(cache._MAGIC) + 32]
        cache.write(bag_cache, bags.ENTRY, key, b"\x00not marshal")
    assert bags.segment_texts(texts, stop, cached=True) == expected
    assert path.read_bytes() == good
    with monkeypatch.context() as patch:
        _no_segmenting(patch)
        assert bags.segment_texts(texts, stop, cached=True) == expected


def test_unwritable_bag_cache_still_works(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(cache.ENV_VAR, str(_unwritable(tmp_path)))
    texts, stop = _bag_texts(), load_lexicon().stopwords
    assert bags.segment_texts(texts, stop, cached=True) == bags.segment_texts(texts, stop)


# -- answers ----------------------------------------------------------------------------


def _answers(searcher: Searcher) -> list[Any]:
    return [searcher.answer(q, limit=10) for q in _questions()]


def test_answers_are_equal_with_and_without_the_cache(bag_cache: Path) -> None:
    measures, names, _ = brain._load()
    plain = _answers(Searcher(measures, unit_names=names))
    cold = _answers(Searcher(measures, unit_names=names, cached=True))
    assert (bag_cache / bags.ENTRY).is_file()
    warm = _answers(Searcher(measures, unit_names=names, cached=True))
    assert plain == cold == warm


def _ask(cache_dir: str) -> str:
    # a fixed hash seed: the order of equally weighted matched terms follows set order
    env = {**os.environ, cache.ENV_VAR: cache_dir, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "--explain", "-"],
        input="\n".join(_questions()) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return done.stdout


def test_cli_answers_are_byte_identical_cold_warm_and_without_cache(tmp_path: Path) -> None:
    """The whole path of `yousu ask`, in fresh processes: jieba's sharded dictionary too."""
    directory = tmp_path / "cli-cache"
    without = _ask("")
    cold = _ask(str(directory))
    assert (directory / segment.DICT_ENTRY).is_file()
    assert (directory / bags.ENTRY).is_file()
    warm = _ask(str(directory))
    assert without.count("\n") == len(_questions())
    assert without == cold == warm
