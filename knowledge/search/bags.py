"""The segmented measures: each text as a bag of words, cached on disk between processes.

Owns turning the measures' texts (titles, sentences, headings) into bags of words for the
index, which is most of building a searcher. The bags are kept in the search cache
(``knowledge.search.cache``) under a key of everything they depend on: the texts, the stop
words, the code of segmentation and normalisation, jieba's version and dictionary and every
word added to it (``segment.state_key``).
Any change, or a missing, corrupt or unwritable cache, means segmenting again, so the bags
are always those segmentation gives now.
"""

from __future__ import annotations

import logging
import marshal
import sys
import unicodedata
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

from knowledge.search import cache, segment
from knowledge.search.normalize import normalize

log = logging.getLogger(__name__)

ENTRY = "search-bags.bin"
_FORMAT = "1"
#: from this many texts on, jieba's whole dictionary is loaded first (see segment)
BULK_TEXTS = 2000

Bags = dict[str, Counter[str]]


def bag_of_words(text: str, stopwords: Collection[str]) -> Counter[str]:
    """The text's words (search-mode cut of the normalised text) without stop words."""
    return Counter(w for w in segment.cut(normalize(text)) if w not in stopwords)


def segment_texts(
    texts: Sequence[str], stopwords: Collection[str], *, cached: bool = False
) -> Bags:
    """A bag of words per distinct text; ``cached``: from and to the search cache."""
    unique = list(dict.fromkeys(texts))
    directory = cache.cache_dir() if cached else None
    code = _code_version() if directory is not None else None
    key = None
    if code is not None:
        key = cache.make_key("bags", _FORMAT, code, segment.state_key(), sorted(stopwords), unique)
        payload = cache.read(directory, ENTRY, key)
        if payload is not None:
            bags = _decode(payload, unique)
            if bags is not None:
                return bags
    if len(unique) >= BULK_TEXTS:
        segment.load_whole_dictionary()
    bags = {text: bag_of_words(text, stopwords) for text in unique}
    if key is not None:
        cache.write(directory, ENTRY, key, _encode(bags))
    return bags


def _code_version() -> bytes | None:
    """The code that makes a bag: this module, segmentation and normalisation (and Unicode).

    None when the sources cannot be read (then nothing is cached).
    """
    parts = [unicodedata.unidata_version.encode()]
    try:
        for name in (__name__, segment.__name__, normalize.__module__):
            parts.append(Path(str(sys.modules[name].__file__)).read_bytes())
    except OSError:
        return None
    return cache.make_key(*parts)


def _encode(bags: Bags) -> bytes:
    # term order is kept: it decides the order of term ids in the index
    return marshal.dumps([(tuple(bag), tuple(bag.values())) for bag in bags.values()])


def _decode(payload: memoryview, texts: list[str]) -> Bags | None:
    try:
        rows = marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as exc:
        log.debug("search cache unreadable: %s", exc)
        return None
    if not isinstance(rows, list) or len(rows) != len(texts):
        return None
    bags: Bags = {}
    for text, row in zip(texts, rows, strict=True):
        if not (isinstance(row, tuple) and len(row) == 2 and len(row[0]) == len(row[1])):
            return None
        bag: Counter[str] = Counter()
        dict.update(bag, zip(row[0], row[1], strict=True))
        bags[text] = bag
    return bags
