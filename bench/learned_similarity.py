"""How well similarity measures tell the same matter from another (run by hand; prints
figures, asserts nothing).

    python -m bench.learned_similarity

Compares rapidfuzz's ratio on normalised text (what ``bot/services/intake.py`` uses for repeats
and hot topics today) with the learned layer's ``similarity`` (``knowledge.learned``: the
cosine of the model's TF-IDF vectors), its ``matter_similarity`` (the cosine of the complaint
head's entry distributions) and their mean:

- *same matter*: for every corpus complaint, one other complaint of the same entry (positive)
  and one of another entry (negative): ROC AUC, and the share of negatives above the value
  that keeps 50% / 80% of positives (how many unrelated complaints a hot-topic threshold would
  merge). The model was trained on these lines: ``matter_similarity`` is in-sample here (its
  AUC means nothing); the TF-IDF vectors only saw the words, so ``similarity`` is fair;
- *paraphrases*: hand-written triples (a complaint, the same problem reworded by the same
  owner, another problem under the same measure): a repeat threshold must put the first pair
  above and the second below.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

from knowledge import brain
from knowledge.learned.corpus import load_corpus

#: (complaint, the same problem reworded, another problem under the same measure)
PARAPHRASES = (
    (
        "新厂房报装用电两个月了，供电所一直说排计划，还没通电",
        "我们新厂申请接电快俩月了，供电那边老说在排计划，电到现在没通",
        "这个月厂里停了四次电，每次都没提前通知，设备都烧坏了",
    ),
    (
        "营业执照变更法人跑了三趟还没办完，窗口每次要的材料都不一样",
        "变更法定代表人去了三回，每回窗口让补的东西都不同，到现在没变更成",
        "想注销公司，清税证明一直开不出来，注销办不下去",
    ),
    (
        "镇政府修路的工程款欠了我们一百二十万，验收两年了一直不给",
        "给镇上干的道路工程验收完两年了，一百多万工程款还拖着没付",
        "招商时承诺的厂房租金补贴，换了领导以后就不认了",
    ),
    (
        "银行续贷被拒，说我们行业受限，流动资金马上断了",
        "找银行续贷没批下来，理由是行业受限，厂里周转不开了",
        "贷款利率比别家高一个点，银行还要求我们买理财才放款",
    ),
    (
        "出口退税申报三个月了还没到账",
        "外贸退税报上去快三个月，钱一直没退回来",
        "原产地证办理要跑好几个地方，耽误发货",
    ),
    (
        "施工许可证申请一个多月了还没批，工人都进场了",
        "办施工许可一个多月没动静，施工队已经到了在干等",
        "竣工验收要好几个部门分别来查，来回折腾了一个月",
    ),
    (
        "天然气报装交了钱两个月还没通气",
        "燃气开户费都交了，俩月了气还没通上",
        "燃气公司收的接驳费太高，别的地方没这么贵",
    ),
)

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def fuzz_ratio(a: str, b: str) -> float:
    return fuzz.ratio(_NOISE.sub("", a).lower(), _NOISE.sub("", b).lower()) / 100


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    ranked = sorted([(v, 1) for v in positive] + [(v, 0) for v in negative])
    rank_sum = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def main() -> int:
    model = brain.learned_model()
    if model is None:
        print(f"the learned layer is off ({brain.LEARNED_ENV})")
        return 1
    measures: dict[str, Callable[[str, str], float]] = {
        "rapidfuzz ratio (intake today)": fuzz_ratio,
        "similarity (TF-IDF cosine)": model.similarity,
        "matter_similarity (entries)": model.matter_similarity,
        "mean of the two": lambda a, b: (
            (model.similarity(a, b) + model.matter_similarity(a, b)) / 2
        ),
    }
    corpus = load_corpus()
    by_entry: dict[str, list[str]] = defaultdict(list)
    for ex in corpus.complaints:
        by_entry[str(ex.entry)].append(ex.text)
    rng = random.Random(7)
    entries = sorted(by_entry)
    pairs_pos, pairs_neg = [], []
    for entry in entries:
        for text in by_entry[entry]:
            other = rng.choice([t for t in by_entry[entry] if t != text])
            pairs_pos.append((text, other))
            elsewhere = rng.choice([e for e in entries if e != entry])
            pairs_neg.append((text, rng.choice(by_entry[elsewhere])))
    print(f"== Same entry ({len(pairs_pos)} pairs) vs another entry ({len(pairs_neg)}) ==")
    for name, fn in measures.items():
        pos = sorted(fn(a, b) for a, b in pairs_pos)
        neg = [fn(a, b) for a, b in pairs_neg]
        half = pos[len(pos) // 2]
        most = pos[len(pos) // 5]
        print(
            f"{name:32} AUC {auc(pos, neg):.3f}   "
            f"others above the median same-entry value ({half:.2f}): "
            f"{sum(v >= half for v in neg) / len(neg):.1%}   "
            f"above the 20th percentile ({most:.2f}): {sum(v >= most for v in neg) / len(neg):.1%}"
        )
    print("\n== Paraphrases (repeat) vs another problem under the same measure ==")
    for name, fn in measures.items():
        same = [fn(a, b) for a, b, _c in PARAPHRASES]
        other = [fn(a, c) for a, _b, c in PARAPHRASES]
        separated = min(same) > max(other)
        print(
            f"{name:32} reworded: min {min(same):.2f} mean {sum(same) / len(same):.2f}   "
            f"other problem: max {max(other):.2f} mean {sum(other) / len(other):.2f}   "
            f"one threshold separates them: {'yes' if separated else 'no'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
