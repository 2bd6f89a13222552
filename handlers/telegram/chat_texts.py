"""What the conversation says to an enterprise (all Chinese): the answers to messages that are
not complaints, the clarifying question, the rating steps, and attachments."""

from __future__ import annotations

from collections.abc import Sequence

GREETING = (
    "您好！这里是偃师区“有诉即办”企业诉求服务。\n"
    "· 直接用文字描述遇到的问题（涉及的单位、事项、等了多久），即可提交诉求；\n"
    "· 想了解政策，直接提问即可，例如“新注册公司要几个工作日”；\n"
    "· 查进度发 /mine 或 /status 编号。\n"
    "发送 /start 查看全部功能。"
)
THANKS = "不客气！有新的问题随时发给我们。查进度请发 /mine。"


ASK_IF_TO_HANDLE = (
    "想跟您确认一下：您是只想了解政策，还是遇到了问题、需要有关单位帮您处理？"
    "需要处理请点“提交诉求”（派给承办单位、计时办理）；只是了解请点“只是咨询”。"
)
JUST_ASKING = "好的，这条按政策咨询处理，不生成工单。遇到需要办理的问题，直接描述发给我就行。"


#: before the clarifying question, when the text is about a complaint and none is open here
NOTHING_ON_FILE = (
    "这里没有查到您正在办理的工单（通过 12345 电话等其他渠道反映的，这里查不到）。"
    "如果要在这里登记，请点“提交诉求”。\n"
)


def clarify(open_numbers: Sequence[str]) -> str:
    lines = ["收到。为了准确办理，请问您这条消息是："]
    lines.append("· 提交一件新的诉求（派给承办单位办理、计时）；")
    lines.append("· 只是咨询政策；")
    if open_numbers:
        lines.append("· 对已提交工单的补充。")
    lines.append("请点下面的按钮选择；也可以把问题写得更具体一些再发一次。")
    return "\n".join(lines)


EDITED_PREFIX = "（企业修改了原消息）"
EDIT_NOT_FILED = "已看到您修改了消息。修改不会重新提交；如需补充或提交新问题，请直接发送新消息。"


def added(number: str) -> str:
    return f"已补充到工单 {number}，并转给承办单位。"


def forgotten() -> str:
    return "抱歉，没有找到待处理的消息（可能已超过 24 小时），请重新发送。"


def ask_solved(number: str) -> str:
    return f"工单 {number}：请确认问题是否已经解决。"


def ask_stars(number: str, solved: bool) -> str:
    verdict = "已解决" if solved else "未解决"
    return f"工单 {number}：{verdict}。请为办理结果打分（5 星为非常满意）。"


def withdrawn(number: str) -> str:
    return f"工单 {number} 已撤回，不再办理。如需反映问题，请重新发送。"


def answering(number: str) -> str:
    return f"请直接发送您对工单 {number} 的回复，将转给承办单位。"


OFFICIAL_HELP = (
    "您是登记的工作人员：文字消息不会生成工单。\n"
    "请用通知上的按钮办理，或使用命令：/queue（本单位待办）、/waiting（待派单）、"
    "/signoff 编号、/reply 编号 内容、/resolve 编号 内容、/transfer 编号 单位 理由、"
    "/return 编号 理由、/dispatch 编号 单位、/void 编号 理由。"
)
PHOTO_NEEDS_TEXT = (
    "已收到附件。请再发一条文字，简要说明遇到的问题（涉及的单位、事项、等了多久），"
    "附件将随诉求一并提交。"
)
ATTACHMENT_LIMIT = "附件太大或太多（单个不超过 20 MB，每件诉求最多 10 个），请精简后再发。"


# --- the enterprise's profile -------------------------------------------------------------------

PROFILE_QUESTIONS = {
    "company_name": (
        "为便于承办单位与您联系，请补充企业信息（只需一次）。\n"
        "请发送企业名称（不想填可发送“跳过”）："
    ),
    "credit_code": "请发送统一社会信用代码（18位，营业执照上可查；可发送“跳过”）：",
    "contact_person": "请发送联系人姓名（可发送“跳过”）：",
    "phone": "请发送联系电话，或点下方“分享手机号”（可发送“跳过”）：",
}
SHARE_PHONE = "分享手机号"
CONTACT_NOT_YOURS = "请分享您本人的手机号，或直接输入电话号码。"


def profile(company: str | None, code: str | None, person: str | None, phone: str | None) -> str:
    lines = [
        "企业信息：",
        f"· 企业名称：{company or '未填写'}",
        f"· 统一社会信用代码：{code or '未填写'}",
        f"· 联系人：{person or '未填写'}",
        f"· 联系电话：{phone or '未填写'}",
        "承办单位可在办理您的诉求时看到这些信息（保密诉求仅承办单位可见）。",
        "发送 /profile 修改 重新填写。",
    ]
    return "\n".join(lines)
