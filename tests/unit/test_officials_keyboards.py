"""Officials' buttons and menus without a bot: what each role is offered follows the
transition table, callback data stays within Telegram's 64 bytes, and a digest's keyboard has
one row per order."""

from __future__ import annotations

from bot.domain.lifecycle import Action, may_take
from bot.domain.records import Role
from bot.services.roles import card_actions, permitted
from handlers.telegram import keyboards
from handlers.telegram.official_texts import commands_for, role_help

NUMBER = "20261125-0001"


def _labels(markup: object) -> list[str]:
    assert markup is not None
    return [b.text for row in markup.inline_keyboard for b in row]  # type: ignore[attr-defined]


def test_each_role_is_offered_exactly_what_the_table_allows() -> None:
    for role in Role:
        offered = {c for c, _ in commands_for(role)}
        allowed = permitted(role)
        assert ("transfer" in offered) is (Action.TRANSFER in allowed), role
        assert ("supervise" in offered) is (Action.SUPERVISE in allowed), role
        assert ("dispatch" in offered) is may_take(Action.DISPATCH, role), role
        assert {"overdue", "stats", "report", "cancel"} <= offered
        assert "/status 编号" not in role_help(role)  # never the enterprise's list
    assert "transfer" not in {c for c, _ in commands_for(Role.HANDLER)}
    assert "transfer" in {c for c, _ in commands_for(Role.UNIT_ADMIN)}


def test_the_card_shows_only_the_roles_buttons() -> None:
    handler = keyboards.handling(NUMBER, actions=card_actions(Role.HANDLER))
    admin = keyboards.handling(NUMBER, actions=card_actions(Role.UNIT_ADMIN))
    assert _labels(handler) == ["签收", "回复", "办结", "退单"]
    assert _labels(admin) == ["签收", "回复", "办结", "转派", "退单"]
    # a message queued before messages said who may do what offers every button
    assert "转派" in _labels(keyboards.handling(NUMBER))


def test_the_dispatch_card_offers_units_that_fit_in_a_button() -> None:
    long_name = "某" * 20  # 60 bytes: "du:NUMBER:" and the name do not fit in 64
    payload = {
        "choices": [{"unit": "区税务局"}, {"unit": long_name}, {"unit": "区住建局"}],
        "actions": card_actions(Role.DISPATCHER),
    }
    markup = keyboards.for_notification("dispatch_needed", NUMBER, payload)
    assert _labels(markup) == ["区税务局", "区住建局", "其他单位", "无效"]
    assert markup is not None
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert data[0] == f"du:{NUMBER}:区税务局" and all(len(str(d).encode()) <= 64 for d in data)
    # someone who may not dispatch (a supervisor reading it) gets no unit buttons
    supervisor = {**payload, "actions": card_actions(Role.SUPERVISOR)}
    assert keyboards.for_notification("dispatch_needed", NUMBER, supervisor) is None
    # without candidates: 派单 asks for a name
    assert _labels(keyboards.dispatching(NUMBER, (), None)) == ["派单", "无效"]


def test_a_digest_has_a_row_per_order_numbered_on_from_its_part() -> None:
    items = [{"number": f"20261125-{i:04d}"} for i in range(1, 4)]
    payload = {"items": items, "first": 16, "actions": card_actions(Role.SUPERVISOR)}
    markup = keyboards.for_notification("clock_digest", "", payload)
    assert _labels(markup) == ["督办 16", "查看 16", "督办 17", "查看 17", "督办 18", "查看 18"]
    handler = {**payload, "actions": card_actions(Role.HANDLER)}
    assert _labels(keyboards.for_notification("clock_digest", "", handler))[0] == "查看 16"
    assert keyboards.parse("vw:20261125-0001") == ("vw", "20261125-0001")
    assert keyboards.parse("sv:20261125-0001") == ("sv", "20261125-0001")
