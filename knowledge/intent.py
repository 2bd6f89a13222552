"""What a chat message means before anything is done with it: a new complaint, a policy
question, a greeting, an addition to a complaint on file, ... (``MessageKind``).

Owns the decision the conversation (``bot.services.conversation``) acts on. Two layers:

1. rules for what is unmistakable and cheap to say (a bare greeting or thanks, a complaint
   number asked about, a phone number or an address given in answer, a star rating);
2. the learned layer (``knowledge.learned``), trained on the labelled corpus, for the rest,
   when it is available.

``MessageIntent.confident`` tells the conversation whether to act or to ask back ("提交诉求 /
只是咨询 / 补充到工单"). Pure: no Telegram, no SQL.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class MessageKind(StrEnum):
    COMPLAINT = "complaint"  # a new problem to file
    QUESTION = "question"  # a policy question (咨询)
    GREETING = "greeting"
    THANKS = "thanks"  # thanks, goodbyes, acknowledgements
    SMALLTALK = "smalltalk"
    HELP = "help"  # how to use the service
    STATUS = "status"  # how is my complaint doing
    FOLLOWUP = "followup"  # an addition to a complaint on file, or an answer to an official
    CHASE = "chase"  # 催办 in words
    VERDICT = "verdict"  # solved / not solved, satisfied / not
    VAGUE = "vague"  # too vague to act on without asking


#: kinds that refer to a complaint already on file
ABOUT_A_COMPLAINT = frozenset(
    {MessageKind.STATUS, MessageKind.FOLLOWUP, MessageKind.CHASE, MessageKind.VERDICT}
)
#: kinds answered with the welcome and the main actions
SOCIAL = frozenset(
    {MessageKind.GREETING, MessageKind.THANKS, MessageKind.SMALLTALK, MessageKind.HELP}
)


@dataclass(frozen=True, slots=True)
class MessageIntent:
    kind: MessageKind
    confidence: float  # 0..1
    #: the kind a careful reader would pick next, when the decision was close
    runner_up: MessageKind | None = None
    #: what decided: "rule:greeting", "model", ...
    source: str = "rule"
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT

    @property
    def may_be_complaint(self) -> bool:
        """A question answered outright that the kind head still gives some chance of being
        a grievance (``GRIEVANCE_ASK`` up to ``GRIEVANCE_DOUBT``): answered, and the sender
        is asked whether it should be handled as well."""
        return (
            self.kind is MessageKind.QUESTION
            and self.confident
            and self.scores.get(MessageKind.COMPLAINT.value, 0.0) >= GRIEVANCE_ASK
        )


#: below this the conversation asks back instead of acting
CONFIDENT = 0.55


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PUNCT = re.compile(r"[\s,.!?;:~，。！？；：、…～·\-—()（）\[\]【】\"'“”‘’]+")
NUMBER_PATTERN = re.compile(r"(?<!\d)(20\d{6}-\d{4})(?!\d)")
PHONE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_GREETINGS = _words(
    "你好 您好 你好啊 您好啊 在吗 在不在 在么 有人吗 有人在吗 哈喽 嗨 hi hello 早 早上好 上午好 "
    "中午好 下午好 晚上好 你们好 领导好 打扰了 打扰一下 您好打扰了 你好在吗 您好在吗"
)
_THANKS = _words(
    "谢谢 谢谢你 谢谢您 谢谢你们 多谢 感谢 非常感谢 太感谢了 辛苦了 辛苦 麻烦了 麻烦你们了 好的 好 "
    "好的谢谢 嗯 嗯嗯 收到 明白 明白了 知道了 了解 行 ok okay 再见 拜拜 👍 🙏"
)
_STARS = re.compile(r"^(给)?([1-5一二三四五])(颗)?星(好评)?$|^(好评|差评|满意|非常满意|不满意)$")
#: a rating with its reason after it ("1星。说好的三天反馈，等了十来天")
_STARS_WITH_REASON = re.compile(r"^(给)?([1-5一二三四五])(颗)?星(好评|差评)?[\s,.!;:，。！；：]")
#: a salutation before what the message is about ("你好，我是做建材的，想申请…"): it says
#: nothing of the kind of what follows, so what follows is classified
_SALUTATION = re.compile(
    r"^(领导|同志|老师|师傅|工作人员)?(你好|您好|你们好|领导好|大家好|早上好|上午好|下午好|晚上好|"
    r"打扰了|打扰一下)[啊呀]?[\s,.!;:~，。！；：～、]+"
)
_STATUS = re.compile(r"进度|怎么样了|到哪一?步了|有结果了?吗|处理了吗|办了吗|查一?下")
_CHASE = re.compile(r"催一?下|催办|怎么还没|还没有?人|快点|尽快|抓紧|都\S{0,4}天了")
_FOLLOWUP = re.compile(
    r"^(补充|另外|还有|再补充|附件|联系人|联系电话|电话|地址|我的电话|可以|对[，,]?|是的)"
)


def normalized(text: str) -> str:
    return _PUNCT.sub("", text).lower()


def rule_intent(text: str) -> MessageIntent | None:
    """The rules' verdict, or None when they cannot tell."""
    bare = normalized(text)
    if not bare:
        return MessageIntent(MessageKind.VAGUE, 1.0, source="rule:empty")
    if bare in _GREETINGS:
        return MessageIntent(MessageKind.GREETING, 0.99, source="rule:greeting")
    if bare in _THANKS:
        return MessageIntent(MessageKind.THANKS, 0.99, source="rule:thanks")
    if _STARS.match(bare):
        return MessageIntent(MessageKind.VERDICT, 0.95, source="rule:rating")
    if _STARS_WITH_REASON.match(text.strip()):
        return MessageIntent(MessageKind.VERDICT, 0.9, source="rule:rating+reason")
    if NUMBER_PATTERN.search(text) and len(bare) <= 30:
        if _CHASE.search(text):
            return MessageIntent(MessageKind.CHASE, 0.9, source="rule:number+chase")
        return MessageIntent(MessageKind.STATUS, 0.9, source="rule:number")
    if PHONE_PATTERN.search(text) and len(bare) <= 40 and _FOLLOWUP.search(bare):
        return MessageIntent(MessageKind.FOLLOWUP, 0.9, source="rule:contact")
    return None


#: the learned layer's probabilities per kind for a text (``knowledge.learned``)
KindModel = Callable[[str], Mapping[str, float]]


def classify_message(text: str, model: KindModel | None = None) -> MessageIntent:
    """What ``text`` means: the rules first, then the learned layer's most probable kind
    (``model``; the shipped one when None and it can be loaded). A salutation before the
    message is left out (``_SALUTATION``), unless nothing follows it."""
    body = without_salutation(text)
    if body != text:
        return classify_message(body, model)
    decided = rule_intent(text)
    if decided is not None:
        return decided
    if model is None:
        model = default_kind_model()
    if model is None:
        return _fallback(text)
    scores = dict(model(text))
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, p), runner = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    source = "model"
    if best == MessageKind.COMPLAINT and p >= CONFIDENT and REFERS_BACK.search(text):
        # "再说一句，…" / "反映了都十天了…": an addition to, or a chase of, something told
        # before; filed at once it would be a second order for the same matter
        p, source = min(p, CONFIDENT - 0.01), "model+refers-back"
    elif best == MessageKind.COMPLAINT and p >= CONFIDENT and asks_while_complaining(text, scores):
        # an owner describing his situation and then asking is as often asking for
        # information as for handling: ask him rather than file a work order he did not want
        p, source = min(p, CONFIDENT - 0.01), "model+question-form"
    elif best == MessageKind.QUESTION and p >= CONFIDENT and not QUESTION_FORM.search(text):
        # a "question" that asks nothing is as often a grievance told plainly ("有人冒用俺
        # 公司名义收定金"): ask rather than answer it with a policy and file nothing
        p, source = min(p, CONFIDENT - 0.01), "model+no-question-form"
    elif (
        best == MessageKind.QUESTION
        and p >= CONFIDENT
        and scores.get(MessageKind.COMPLAINT.value, 0.0) >= GRIEVANCE_DOUBT
    ):
        # a grievance worded as a question ("银行非要电子执照才能开户，咋整啊") reads as a
        # question too; answered with a policy it files nothing: ask which it is
        p, source = min(p, CONFIDENT - 0.01), "model+grievance"
    return MessageIntent(
        MessageKind(best),
        p,
        runner_up=MessageKind(runner[0]) if runner else None,
        source=source,
        scores=scores,
    )


#: a text asks something somewhere (a question mark, an interrogative, a 吗/不 question, a
#: request for information)
QUESTION_FORM = re.compile(
    r"[?？]|吗|咋|怎么|如何|能不能|可不可以|有没有|是不是|要不要|多久|几天|多少|哪些|啥|什么|"
    r"中不中|行不行|能否|是否|可以.{0,6}[吗不]|请问|咨询|想问|问一下|问个|了解|打听|"
    r"多长|谁|哪|[不没][?？。.!！~\s]*$"
)
#: a text that adds to or refers back to something reported before (no complaint of the
#: spent batches through 2026-12-08h says so; 198 of their other chat messages do)
REFERS_BACK = re.compile(
    r"^(再说一句|再说一下|再补充|补充一下|补充|另外|还有个事|还有一点|还有[，,、]|对了|忘了说)|"
    r"^接着(上次|上回|之前|前面)|(^|就是|[嗯对][，,\s]*)上回说的|"
    r"^(就是|关于|接着|还是)?前面(那个|那件|那条|投诉|反映|说|提|报)|"
    r"(在|接)上一条|上一条(消息|留言|信息|后面)|"
    r"反映了?(都|已经)?\S{0,4}天|(之前|上次|上回|前几天|前两天|前天|昨天|上周|上礼拜|刚才)"
    r"(反映|报过|报的|提过|提的)|上次说的|"
    r"(我|俺)(那个|上回|上次)\S{0,6}(事|诉求|工单|单子)"
)
#: a complaint that also asks is filed at once only when the kind head is at least this sure
SURE_COMPLAINT = 0.8
#: ... and gives the question kind less than this
QUESTION_DOUBT = 0.2
#: a question is answered without asking back only when the kind head gives the complaint
#: kind less than this; from ``GRIEVANCE_ASK`` up to it, the answer also asks whether to
#: handle it (``bench/intent_lobo.py`` chose both on the spent batches)
GRIEVANCE_DOUBT = 0.2
GRIEVANCE_ASK = 0.04


def without_salutation(text: str) -> str:
    """``text`` without a leading salutation ("你好，", "领导您好，"), when something
    follows it; else ``text``."""
    found = _SALUTATION.match(text.strip())
    if found is None:
        return text
    rest = text.strip()[found.end() :]
    return rest if normalized(rest) else text


def asks_while_complaining(text: str, scores: Mapping[str, float]) -> bool:
    """True when a text the kind head reads as a complaint asks a question and the head is
    not sure enough that it is a complaint (``SURE_COMPLAINT``, ``QUESTION_DOUBT``)."""
    if not QUESTION_FORM.search(text):
        return False
    complaint = scores.get(MessageKind.COMPLAINT.value, 0.0)
    question = scores.get(MessageKind.QUESTION.value, 0.0)
    return complaint < SURE_COMPLAINT or question >= QUESTION_DOUBT


def default_kind_model() -> KindModel | None:
    """The learned layer's message-kind head, or None where it is not built in yet."""
    try:
        learned = importlib.import_module("knowledge.learned")
    except ImportError:
        return None
    model: KindModel | None = getattr(learned, "message_kind_probabilities", None)
    return model


_QUESTION = re.compile(r"[?？]$|^(请问|咨询|问一下|想问|怎么|如何|是否|能否|哪里|什么)|吗[?？]?$")
_COMPLAINT_CUES = re.compile(
    r"没有?人管|一直|拖|不给|不让|刁难|乱收费|罚|欠|不办|推诿|踢皮球|投诉|反映|举报|"
    r"多久了|个月了|天了|还没|不予|卡着|拒绝|要求我们|让我们"
)


def _fallback(text: str) -> MessageIntent:
    """Without the learned layer: a question by its form, a complaint by its cues, vague
    when short and neither."""
    bare = normalized(text)
    if _STATUS.search(text) and len(bare) <= 20:
        return MessageIntent(MessageKind.STATUS, 0.6, source="fallback:status")
    if _CHASE.search(text) and len(bare) <= 20:
        return MessageIntent(MessageKind.CHASE, 0.6, source="fallback:chase")
    complaint = bool(_COMPLAINT_CUES.search(text))
    if _QUESTION.search(text.strip()) and not complaint:
        return MessageIntent(MessageKind.QUESTION, 0.7, source="fallback:question")
    if len(bare) < 8:
        return MessageIntent(MessageKind.VAGUE, 0.5, source="fallback:short")
    return MessageIntent(
        MessageKind.COMPLAINT, 0.8 if complaint else 0.6, source="fallback:complaint"
    )
