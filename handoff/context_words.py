"""The words of the context package (handoff/context.py), each as (Chinese, English).

Agents read Chinese first, so the summary is written in Chinese with an English twin,
and reasons and slots carry human names in both languages. A code without a name here
(a new reason or slot) shows as its code name rather than disappearing.
"""
from typing import Dict, Tuple

Words = Tuple[str, str]  # (Simplified Chinese, English)
ZH, EN = 0, 1

# What the customer came for, in the order first asked; contract intents and the
# fallback. Greetings, thanks and yes/no say nothing of the request.
TOPICS: Dict[str, Words] = {
    "track_parcel": ("查件", "tracking"),
    "request_return": ("申请退货", "return request"),
    "check_return_status": ("查退货进度", "return status"),
    "complain": ("投诉", "complaint"),
    "ask_faq": ("咨询", "question"),
    "request_human": ("要求转人工", "asked for a person"),
    "out_of_scope": ("无关话题", "off-topic"),
    "nlu_fallback": ("未能理解", "not understood"),
}

# What the bot already tried, by the action or response that did it.
BOT_ATTEMPTS: Dict[str, Words] = {
    "action_answer_tracking": ("已答查件", "answered tracking"),
    "action_handle_complaint": ("已致歉", "apologised"),
    "action_finish_return": ("已处理退货申请", "answered the return request"),
    "action_answer_return_status": ("已答退货进度", "answered return status"),
    "utter_faq_topics": ("已列常见问题", "listed FAQ topics"),
    "utter_default": ("已请客户换个说法", "asked to rephrase"),
    "utter_out_of_scope": ("已婉拒无关话题", "declined off-topic"),
    "action_offer_human": ("已提议转人工", "offered an agent"),
}

# Why the bot handed off: the reasons of routing.yml.
REASONS: Dict[str, Words] = {
    "vip": ("VIP 客户", "VIP customer"),
    "parcel_exception": ("包裹异常", "parcel exception"),
    "complaint": ("投诉", "complaint"),
    "negative_sentiment": ("客户不满", "customer upset"),
    "policy_exception": ("政策例外", "policy exception"),
    "action_error": ("系统出错", "system error"),
    "form_failed": ("多次填写失败", "form failed repeatedly"),
    "customer_request": ("客户要求转人工", "customer asked for a person"),
    "nlu_fallback": ("机器人未能理解", "bot did not understand"),
    "faq_no_answer": ("知识库无答案", "no answer in the FAQ"),
}

# What the bot remembered, by slot (the domain/*.yml slots an agent is shown).
SLOTS: Dict[str, Words] = {
    "language": ("语言", "language"),
    "tracking_number": ("客户提到的运单", "waybills mentioned"),
    "tracked_parcel": ("查询的运单", "parcel tracked"),
    "phone_number": ("手机号", "phone number"),
    "verified_phone": ("已验证手机", "verified phone"),
    "verified_at": ("验证时间", "verified at"),
    "tracking_attempts": ("查件失败次数", "failed tracking tries"),
    "faq_misses": ("知识库未答次数", "FAQ misses"),
    "faq_choices": ("常见问题候选", "FAQ choices offered"),
    "faq_choice": ("所选常见问题", "FAQ chosen"),
    "handoff_reason": ("转人工原因", "handoff reason"),
    "callback_message": ("回电留言", "callback message"),
    "rating": ("评分", "rating"),
    "return_parcel": ("退货运单", "parcel to return"),
    "return_category": ("退货品类", "return category"),
    "return_reason": ("退货原因", "return reason"),
    "return_answers": ("退货问答", "return answers"),
    "return_address_confirmed": ("取件地址已确认", "pickup address confirmed"),
    "return_address": ("取件地址", "pickup address"),
    "return_pickup_slot": ("取件时段", "pickup slot"),
    "return_confirmed": ("退货已确认", "return confirmed"),
    "return_attempts": ("退货填写失败次数", "failed return tries"),
    "return_outcome": ("退货结果", "return outcome"),
    "return_number": ("退货单号", "return number"),
    "return_lookup": ("查询的退货单", "return looked up"),
    "return_status_attempts": ("查退货失败次数", "failed return-status tries"),
}

# The summary's own phrases; `{}` takes a number or a list.
PHRASES: Dict[str, Words] = {
    "no_request": ("诉求不明", "no clear request"),
    "parcel": ("运单 {}", "parcel {}"),
    "parcels": ("运单 {}", "parcels {}"),
    "return": ("退货单 {}", "return {}"),
    "returns": ("退货单 {}", "returns {}"),
    "verified": ("手机 {} 已验证", "phone {} verified"),
    "unverified": ("手机 {} 未验证", "phone {} unverified"),
    "failed_try": ("查单号/验证码失败 {} 次", "{} failed try at number/code"),
    "failed_tries": ("查单号/验证码失败 {} 次", "{} failed tries at number/code"),
    "bot": ("机器人{}", "bot {}"),
    "bot_nothing": ("机器人未作处理", "bot tried nothing"),
}

# How the summary's pieces are put together in each language.
LIST_SEPARATOR: Words = ("，", ", ")
ITEM_SEPARATOR: Words = ("、", ", ")
PART_SEPARATOR: Words = ("；", "; ")
QUOTE: Words = ("“{}”", ' "{}"')
TAIL: Words = (" → {}。", " → {}.")


def name(table: Dict[str, Words], code: str, lang: int) -> str:
    """The human name of `code` in `lang` (ZH or EN); its code name when it has none."""
    return table[code][lang] if code in table else code


def names(table: Dict[str, Words], code: str) -> Dict[str, str]:
    """The human names of `code` as {"zh", "en"}, as the console shows them."""
    return {"zh": name(table, code, ZH), "en": name(table, code, EN)}
