"""Chinese word segmentation with jieba and a dictionary of the plans' own terms.

Owns one jieba tokenizer for the process, initialised lazily, and the user dictionary
generated from the measures: quoted “…” terms, short titles, unit names and the lexicon's
terms. Words are added in memory, so no file is written and no global jieba state is touched.

Loading jieba's dictionary (half a million prefixes) was the slowest step of start-up, yet a
question touches only the entries that start with one of its characters. So the dictionary
jieba loads is also kept in the search cache (``knowledge.search.cache``) split into shards
by first character, and later processes give jieba a :class:`ShardedFreq` that reads a
shard on first use. The words, frequencies and total are exactly jieba's, so segmentation
is the same; when the cache is missing, stale or corrupt, jieba loads its dictionary as
before and the cache is rewritten.
"""

from __future__ import annotations

import functools
import logging
import marshal
import re
import struct
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from knowledge.model import Measure
from knowledge.search import cache

log = logging.getLogger(__name__)

_QUOTED = re.compile(r"“([^”]{2,12})”")
# Tokens worth keeping: CJK words, numbers, latin words (e.g. "ukey", "ca", "pm2.5").
_KEEP = re.compile(r"[\u3400-\u9fff]|[0-9a-z]")
_LOCK = threading.Lock()
_TOKENIZER: Any = None
_ADDED: set[str] = set()

#: user words get a frequency high enough to win against jieba's general dictionary
_USER_FREQ = 20000

#: cache entry of jieba's dictionary, and its layout version (part of the key)
DICT_ENTRY = "jieba-dict.bin"
_DICT_FORMAT = "1"
#: shards of the dictionary (by first character's code point); ~500 entries each
_SHARDS = 1024
_DICT_HEAD = struct.Struct("<QI")  # total, number of shards
_MISSING = object()


def _shard_of(word: str) -> int:
    return ord(word[0]) % _SHARDS if word else 0


class ShardedFreq:
    """jieba's ``FREQ`` mapping, read a shard at a time, plus the words added in this process.

    jieba uses ``in``, ``[]``, ``get`` and, in ``add_word``, ``[]=``. A lookup answers as
    jieba's own dictionary would after the same ``add_word`` calls: an added word has its
    frequency, then the dictionary's entry, then 0 for a prefix of an added word.
    """

    __slots__ = ("_data", "_offsets", "_prefixes", "_shards", "_words", "total")

    def __init__(self, payload: memoryview) -> None:
        """Check the layout of a cache payload; raises ValueError when it is not one."""
        total, count = _DICT_HEAD.unpack_from(payload, 0)
        if count != _SHARDS:
            raise ValueError("shard count differs")
        offsets = struct.unpack_from(f"<{count + 1}Q", payload, _DICT_HEAD.size)
        start = _DICT_HEAD.size + 8 * (count + 1)
        if offsets[0] != start or offsets[-1] != len(payload) or list(offsets) != sorted(offsets):
            raise ValueError("bad shard offsets")
        self.total: int = total
        self._data = payload
        self._offsets = offsets
        self._shards: list[dict[str, int] | None] = [None] * count
        self._words: dict[str, int] = {}
        self._prefixes: set[str] = set()

    def _shard(self, word: str) -> dict[str, int]:
        i = _shard_of(word)
        shard = self._shards[i]
        return shard if shard is not None else self._load(i)

    def _load(self, i: int) -> dict[str, int]:
        shard = marshal.loads(self._data[self._offsets[i] : self._offsets[i + 1]])
        if not isinstance(shard, dict):  # the CRC matched, so this is a bug, not rot
            raise TypeError(f"dictionary shard {i} is not a dict")
        self._shards[i] = shard
        return shard

    def get(self, word: str, default: Any = None) -> Any:
        freq = self._words.get(word)
        if freq is not None:
            return freq
        freq = self._shard(word).get(word)
        if freq is not None:
            return freq
        return 0 if word in self._prefixes else default

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word, _MISSING) is not _MISSING

    def __getitem__(self, word: str) -> int:
        freq = self.get(word, _MISSING)
        if freq is _MISSING:
            raise KeyError(word)
        return int(freq)

    def __setitem__(self, word: str, freq: int) -> None:
        self._words[word] = freq

    def to_dict(self) -> dict[str, int]:
        """The whole mapping as the plain dict jieba would have (reads every shard)."""
        full: dict[str, int] = {}
        for i, shard in enumerate(self._shards):
            full.update(shard if shard is not None else self._load(i))
        for prefix in self._prefixes:
            full.setdefault(prefix, 0)
        full.update(self._words)
        return full

    def add_word(self, word: str, freq: int) -> None:
        """What ``Tokenizer.add_word`` does to ``FREQ``, without reading any shard."""
        self._words[word] = freq
        self._prefixes.update(word[: i + 1] for i in range(len(word)))


def pack_dictionary(freq: dict[str, int], total: int) -> bytes:
    """jieba's dictionary as a cache payload: head, shard offsets, marshalled shards."""
    shards: list[dict[str, int]] = [{} for _ in range(_SHARDS)]
    for word, count in freq.items():
        shards[_shard_of(word)][word] = count
    blobs = [marshal.dumps(shard) for shard in shards]
    offsets = [_DICT_HEAD.size + 8 * (_SHARDS + 1)]
    for blob in blobs:
        offsets.append(offsets[-1] + len(blob))
    head = _DICT_HEAD.pack(total, _SHARDS) + struct.pack(f"<{_SHARDS + 1}Q", *offsets)
    return head + b"".join(blobs)


def _import_jieba() -> ModuleType:
    """Import jieba without letting it import ``pkg_resources`` (~70 ms, unused by us).

    jieba only uses ``pkg_resources`` to open its data files and falls back to opening them
    by path when the import fails; the block lasts only for jieba's own import.
    """
    loaded = sys.modules.get("jieba")
    if loaded is not None:
        return loaded
    block = "pkg_resources" not in sys.modules
    if block:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment] # makes the import fail
    try:
        import jieba  # noqa: PLC0415 - lazy: only searching needs it
    finally:
        if block and "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    module: ModuleType = jieba
    return module


def dictionary_key(jieba: ModuleType) -> bytes | None:
    """What jieba's default dictionary depends on: versions and the dictionary file."""
    path = Path(str(jieba.__file__)).parent / jieba.DEFAULT_DICT_NAME
    try:
        stat = path.stat()
    except OSError:
        return None
    return cache.make_key(
        "jieba-dictionary",
        _DICT_FORMAT,
        str(_SHARDS),
        f"python {sys.version_info[0]}.{sys.version_info[1]}",
        str(jieba.__version__),
        str(path),
        str(stat.st_size),
        str(stat.st_mtime_ns),
    )


def new_tokenizer(directory: Path | None) -> Any:
    """A jieba tokenizer with its dictionary, from the cache in ``directory`` when valid.

    ``directory`` None means no cache: jieba loads its dictionary itself, as it always did.
    """
    jieba = _import_jieba()
    tok = jieba.Tokenizer()
    key = dictionary_key(jieba) if directory is not None else None
    if key is not None:
        payload = cache.read(directory, DICT_ENTRY, key)
        if payload is not None:
            try:
                freq = ShardedFreq(payload)
            except (ValueError, struct.error) as exc:
                log.debug("jieba dictionary cache unusable: %s", exc)
            else:
                tok.FREQ = freq
                tok.total = freq.total
                tok.initialized = True
                return tok
    tok.initialize()
    if key is not None:
        cache.write(directory, DICT_ENTRY, key, pack_dictionary(tok.FREQ, tok.total))
    return tok


def _tokenizer() -> Any:
    global _TOKENIZER  # noqa: PLW0603 - one shared, lazily built tokenizer per process
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                _TOKENIZER = new_tokenizer(cache.cache_dir())
    return _TOKENIZER


def load_whole_dictionary() -> None:
    """Before segmenting thousands of texts: give jieba its dictionary as one plain dict.

    Lookups in a :class:`ShardedFreq` go through Python methods, about twice as slow as in a
    dict; past a few thousand texts, reading every shard at once (~0.2 s) pays off.
    """
    tok = _tokenizer()
    with _LOCK:
        if isinstance(tok.FREQ, ShardedFreq):
            tok.FREQ = tok.FREQ.to_dict()


def add_word(tok: Any, word: str, freq: int = _USER_FREQ) -> None:
    """``tok.add_word(word, freq)``, without reading dictionary shards when they are lazy."""
    if isinstance(tok.FREQ, ShardedFreq):
        tok.FREQ.add_word(word, freq)
        tok.total += freq
    else:
        tok.add_word(word, freq)


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter words it must keep whole (idempotent)."""
    tok = _tokenizer()
    for raw in words:
        word = raw.strip()
        if len(word) >= 2 and word not in _ADDED and " " not in word:
            add_word(tok, word)
            _ADDED.add(word)
            cut_term.cache_clear()  # a new word can change how a term is cut


def state_key() -> bytes:
    """What segmentation depends on: jieba, its dictionary and every word added so far."""
    jieba = _import_jieba()
    return cache.make_key(
        "segment",
        str(jieba.__version__),
        dictionary_key(jieba) or b"",
        str(_USER_FREQ),
        sorted(_ADDED),
        _KEEP.pattern,
    )


def plan_terms(measures: Iterable[Measure], unit_names: Iterable[str] = ()) -> set[str]:
    """The plans' own vocabulary: quoted terms, short titles and unit names."""
    terms: set[str] = set()
    for measure in measures:
        for text in (measure.title, measure.text):
            terms.update(m.group(1) for m in _QUOTED.finditer(text))
        if len(measure.title) <= 8:
            terms.add(measure.title)
        terms.update(measure.lead_units)
        terms.update(measure.co_units)
    terms.update(unit_names)
    # Quoted phrases with punctuation inside are not words.
    return {t.lower() for t in terms if not re.search(r"[，。、；：:,;()（）\s]", t)}


def cut(text: str) -> list[str]:
    """Search-mode segmentation: whole words and their dictionary sub-words."""
    return [w for w in _tokenizer().cut_for_search(text) if _KEEP.search(w)]


@functools.lru_cache(maxsize=1 << 16)
def cut_term(term: str) -> tuple[str, ...]:
    """``cut`` for a word or a lexicon term: the same few thousand come back with every
    question, so they are cut once per process."""
    return tuple(cut(term))


def cut_words(text: str) -> list[str]:
    """Precise-mode segmentation (one cut per word), used for matched-term display."""
    return [w for w in _tokenizer().lcut(text) if _KEEP.search(w)]
