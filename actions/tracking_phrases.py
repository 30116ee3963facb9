"""The texts of parcel-tracking answers, in Simplified Chinese and English.

Traditional Chinese is the Simplified reply converted as a whole, so no Traditional
copy has to be kept in step. tracking_reply.py decides which of them a reply says.
"""
from typing import Dict, NamedTuple, Optional

from actions.carrier.gateway import ParcelStatus
from foundation.wording import Phrase


class StatusWording(NamedTuple):
    word: Phrase
    # None for DELIVERED: what comes next depends on how it was handed over.
    next_step: Optional[Phrase]


AGENT_PRIORITY = Phrase(
    "我可以帮您转人工客服优先处理。",
    "I can put you through to an agent who will treat it as a priority.",
)

STATUS_WORDINGS: Dict[ParcelStatus, StatusWording] = {
    ParcelStatus.CREATED: StatusWording(
        Phrase("已下单，等待揽收", "registered, waiting to be picked up"),
        Phrase("快递员上门揽收后，就会有第一条扫描记录。",
               "The first scan appears once our courier has collected it from the sender."),
    ),
    ParcelStatus.PICKED_UP: StatusWording(
        Phrase("已揽收", "picked up"),
        Phrase("包裹接下来会发往转运中心。", "It goes to a transfer centre next."),
    ),
    ParcelStatus.IN_TRANSIT: StatusWording(
        Phrase("运输中", "on its way"),
        Phrase("到达派送网点后就会安排派送。",
               "Once it reaches your local branch, it will be delivered as soon as possible."),
    ),
    ParcelStatus.AT_BRANCH: StatusWording(
        Phrase("已到达派送网点", "at your local branch"),
        Phrase("快递员很快会安排派送。", "A courier will take it out for delivery soon."),
    ),
    ParcelStatus.OUT_FOR_DELIVERY: StatusWording(
        Phrase("派送中", "out for delivery"),
        Phrase("快递员今天会送到，请保持电话畅通。",
               "The courier is bringing it today, so please keep your phone at hand."),
    ),
    ParcelStatus.DELIVERED: StatusWording(Phrase("已签收", "delivered"), None),
    ParcelStatus.DELIVERY_FAILED: StatusWording(
        Phrase("派送失败", "delivery failed"),
        Phrase("您可以预约再次派送。", "You can book a redelivery."),
    ),
    ParcelStatus.HELD: StatusWording(
        Phrase("应您要求暂存", "held at your request"),
        Phrase("到期前可随时预约派送。",
               "You can book a delivery any time before the holding period ends."),
    ),
    ParcelStatus.RETURNED_TO_SENDER: StatusWording(
        Phrase("已退回寄件人", "returned to the sender"),
        Phrase("如需重新寄出，请联系寄件人。",
               "If it should be sent again, please contact the sender."),
    ),
    ParcelStatus.DAMAGED: StatusWording(Phrase("包裹破损", "damaged"), AGENT_PRIORITY),
    ParcelStatus.LOST: StatusWording(Phrase("包裹丢失", "lost"), AGENT_PRIORITY),
    ParcelStatus.STUCK: StatusWording(
        Phrase("已超过 72 小时没有新的扫描记录", "no new scan for over 72 hours"),
        AGENT_PRIORITY,
    ),
}

STATUS_LINE = Phrase("包裹 {number}：{word}。", "Parcel {number}: {word}.")
# English voices cannot read Chinese place names, so the English sentence has none.
SPOKEN_LAST_SCAN = Phrase("最新一次扫描是{when}，地点是{place}。", "The latest scan was {when}.")
EXPECTED = Phrase("预计 {day} 送达。", "Expected {day}.")
TIMELINE_HEADER = Phrase("物流记录（最新在前）：", "Latest scans, newest first:")
RECIPIENT = Phrase("收件人：{name}，{phone}，{address}", "Recipient: {name}, {phone}, {address}")

# Lockers and pickup stations, named generically until the customer is verified.
PICKUP_POINTS = {
    "locker": Phrase("快递柜", "a parcel locker"),
    "station": Phrase("快递驿站", "a pickup station"),
}
WAITING_AT = Phrase("包裹在{place}等您取件。", "It is waiting for you at {place}.")
PICKUP_CODE = Phrase("取件码 {code}。", "Your pickup code is {code}.")
PICKUP_CODE_AFTER_VERIFICATION = Phrase(
    "验证身份后，我可以告诉您取件码。",
    "Once you have verified your identity, I can give you the pickup code.",
)
SIGNED_BY_RECIPIENT = Phrase("由收件人本人签收。", "It was signed for by the recipient.")
SIGNED_BY = Phrase("由{signer}代签收。", "It was signed for by {signer}.")
SIGNED_BY_SOMEONE_ELSE = Phrase(
    "由他人代签收，验证身份后，我可以告诉您是谁签收的。",
    "It was signed for by someone else. Once you have verified your identity, "
    "I can tell you who.",
)
COLLECT_FROM_SIGNER = Phrase(
    "请向代签收人领取；如果没有拿到，我可以帮您转人工客服查明情况。",
    "Please collect it from them. If you cannot find it, I can put you through to an "
    "agent to check.",
)
NOT_RECEIVED = Phrase(
    "如果您没有收到，我可以帮您转人工客服查明情况。",
    "If you have not received it, I can put you through to an agent to check.",
)
SOMEONE_ELSE = Phrase("他人", "someone else")
# Who commonly signs instead of the recipient. Anyone else is taken to be a person
# and shown masked.
SIGNER_ROLES = {
    "门卫": Phrase("门卫", "the gatekeeper"),
    "家人": Phrase("家人", "a family member"),
    "前台": Phrase("前台", "the front desk"),
    "同事": Phrase("同事", "a colleague"),
    "物业": Phrase("物业", "property management"),
}

RELATIVE_DAYS = {
    -1: Phrase("昨天", "yesterday"),
    0: Phrase("今天", "today"),
    1: Phrase("明天", "tomorrow"),
}

LIST_HEADER = Phrase("找到 {count} 个包裹：", "I found {count} parcel{plural}:")
LIST_ITEM = Phrase("{number}：{word}，最近扫描 {day}。", "{number}: {word}, last scan {day}.")
LIST_INDEX = Phrase("{index}. ", "{index}. ")
SPOKEN_LIST_INDEX = Phrase("第 {index} 个，", "Number {index}, ")
LIST_MORE = Phrase("还有 {count} 个包裹没有列出。", "There {verb} {count} more.")
LIST_DETAILS = Phrase(
    "告诉我运单号，我可以帮您查看详情。",
    "Tell me a tracking number and I'll give you the details.",
)
LIST_EMPTY = Phrase(
    "这个手机号下没有查到包裹。如果您有运单号，可以直接告诉我。",
    "I found no parcels for this phone number. If you have a tracking number, just tell me.",
)

OTHER_CARRIER = Phrase(
    "这个单号看起来是{carrier}的（{number}），我们查不到其他快递公司的件。",
    "This number ({number}) looks like it belongs to {carrier}. We can only track our "
    "own parcels, not other couriers'.",
)
CARRIER_WEBSITE = Phrase("在{carrier}官网 {website}", "on {website}")
CARRIER_HOTLINE = Phrase("拨打 {hotline}", "call {hotline}")
# Both ways end in a website or phone number, which a space sets off from Chinese.
CARRIER_CONTACT = Phrase("您可以{ways} 查询。", "You can check it {ways}.")
CARRIER_CONTACT_JOINER = Phrase(" 或", " or ")
ASK_CARRIER = Phrase("请向{carrier}查询。", "Please ask {carrier}.")

UNKNOWN_NUMBER = Phrase(
    "没有查到运单号 {number} 的信息。常见的原因有三种：包裹刚寄出，还没有扫描记录，"
    "请过几个小时再查；单号有误，请对照快递面单或订单核对；包裹由其他快递公司承运，"
    "请向该公司查询。如果核对后仍然查不到，我可以帮您转人工客服。",
    "I couldn't find tracking number {number}. Usually the parcel has only just been "
    "sent and not scanned yet, so please try again in a few hours; or the number has a "
    "typo, so please check it against the label or your order; or the parcel is with "
    "another courier, so please ask them. If it still cannot be found, I can put you "
    "through to an agent.",
)

NUMBER_FORMAT = Phrase(
    "我们的运单号是{prefix}加 12 位数字{example}。运单号印在快递面单上，网购的包裹也可以"
    "在订单的物流信息里找到。请检查后再告诉我。",
    "Our tracking numbers are {prefix} followed by 12 digits{example}. You'll find the "
    "number on the shipping label, or in your order's delivery details if you bought "
    "online. Please check it and tell me again.",
)
NUMBER_PREFIX = Phrase(" KD ", "KD")
SPOKEN_NUMBER_PREFIX = Phrase("字母 K D ", "the letters K D")
NUMBER_EXAMPLE = Phrase("，例如 KD202611230001", ", for example KD202611230001")
STILL_NEED_NUMBER = Phrase(
    "我需要运单号才能帮您查询。没有运单号的话，也可以告诉我收件人的手机号。",
    "I need the tracking number to look it up. If you don't have it, you can give me "
    "the recipient's mobile number instead.",
)
LAST_TRY = Phrase(
    "如果这次还不行，我会为您转人工客服。",
    "If that doesn't work either, I'll put you through to an agent.",
)
CODE_SENT = Phrase(
    "为了保护您的隐私，我已向{phone}发送了 6 位短信验证码，请把验证码告诉我，"
    "10 分钟内有效。",
    "To protect your privacy, I've sent a 6-digit code by text message to {phone}. "
    "Please tell me the code; it is valid for 10 minutes.",
)
SHOWN_PHONE = Phrase("手机 {phone} ", "{phone}")
SPOKEN_PHONE = Phrase("尾号 {digits} 的手机", "the phone ending in {digits}")
WRONG_CODE = Phrase(
    "验证码不正确，请核对短信后再告诉我。",
    "That code isn't right. Please check the text message and tell me again.",
)
CODE_LIMIT = Phrase(
    "抱歉，验证码发送得太频繁了，现在不能再发送新的验证码，请稍后再试。",
    "Sorry, too many codes have been sent, so I can't send another one right now. "
    "Please try again later.",
)
NO_CODE = Phrase(
    "请告诉我短信里的 6 位验证码。",
    "Please tell me the 6-digit code from the text message.",
)
TRACKING_UNAVAILABLE = Phrase(
    "抱歉，查询系统暂时无法访问，请稍后再试。",
    "Sorry, parcel tracking is unavailable at the moment. Please try again later.",
)
# Near misses (actions/near_miss.py): a tracking answer to a customer who was cross, and
# a delay complaint with no parcel known yet, which is looked up first.
SORRY_FOR_THE_TROUBLE = Phrase(
    "给您添麻烦了，非常抱歉。您的意见我已经记下，如需人工客服跟进，我可以为您转接。",
    "I'm sorry for the trouble. I have noted your complaint, and a member of our team can "
    "follow it up if you like.",
)
LOOK_UP_FIRST = Phrase(
    "非常抱歉让您久等了，我先帮您查一下包裹现在的情况。",
    "I'm sorry you've been kept waiting. Let me check where your parcel is first.",
)
# A complaint about a parcel we know (actions/tracking.py).
COMPLAINT_ABOUT_PARCEL = Phrase(
    "非常抱歉给您带来麻烦。包裹 {number} 目前的状态是：{word}。这种情况需要人工客服核实，我可以为您优先转接。",
    "I'm very sorry about this. Parcel {number} currently shows as {word}. A member of "
    "our team needs to look into this, and I can put you through as a priority.",
)
