"""The texts of the return dialogue, in Simplified Chinese and English.

Traditional Chinese is the Simplified reply converted as a whole. reply.py beside this
file decides which of them a reply says, for the web and for the phone line.
"""
from typing import Dict

from actions.carrier.gateway import RefundState, ReturnStatus
from foundation.wording import Phrase

RELATIVE_DAYS = {0: Phrase("今天", "Today"), 1: Phrase("明天", "Tomorrow"),
                 2: Phrase("后天", "The day after tomorrow")}

# Questions.
ASK_PARCEL = Phrase(
    "好的，我来帮您办理退货。请发一下要退的包裹的运单号（以 KD 开头，在面单或订单的物流信息里）。",
    "Sure, I'll help you with the return. Please send me the tracking number of the "
    "parcel you want to return (it starts with KD; it's on the label and in the order's "
    "delivery details).",
)
ASK_PARCEL_TRACKED = Phrase(
    "是刚才查的包裹 {number} 吗？是的话回复“是”，不是的话请发运单号。",
    "Is it the parcel {number} you just looked up? Reply 'yes' if so, or send me its "
    "tracking number.",
)
ASK_CATEGORY = Phrase("请问要退的是哪一类商品？", "What kind of item are you returning?")
SPOKEN_CATEGORIES = Phrase("请说商品类别，比如：{names}。", "Please say the kind of item, such as {names}.")
ASK_REASON = Phrase("请问退货的原因是？", "Why are you returning it?")
SPOKEN_REASONS = Phrase("请说退货原因：{names}。", "Please say the reason: {names}.")
YES = Phrase("是", "Yes")
NO = Phrase("否", "No")
ASK_ADDRESS = Phrase(
    "快递员会到 {address} 上门取件（包裹的收件地址）。在这里取件可以吗？",
    "A courier will collect it from {address} (the parcel's delivery address). Is that "
    "the right place?",
)
ASK_NEW_ADDRESS = Phrase(
    "请告诉我取件地址，包括区、街道、门牌号。",
    "Please tell me the pickup address, with the district, street and house number.",
)
ASK_SLOT = Phrase("请选择上门取件时间。", "When should the courier come?")
TYPE_SLOT = Phrase("点选或回复序号即可。", "Tap one or reply with its number.")
SAY_SLOT = Phrase("请说序号。", "Please say the number.")
SUMMARY = Phrase(
    "请确认退货信息：\n包裹：{number}\n商品：{category}\n原因：{reason}\n"
    "取件地址：{address}\n取件时间：{slot}\n退货运费：{payer}承担\n确认提交吗？",
    "Please check your return:\nParcel: {number}\nItem: {category}\nReason: {reason}\n"
    "Pickup address: {address}\nPickup time: {slot}\nReturn shipping paid by: {payer}\n"
    "Shall I submit it?",
)
SPOKEN_SUMMARY = Phrase(
    "我确认一下：退尾号 {digits} 的包裹，{category}，{reason}，{slot} 上门取件，"
    "运费由{payer}承担。确认提交吗？",
    "To confirm: the parcel ending in {digits}, {category}, {reason}, collected {slot}, "
    "return shipping paid by {payer}. Shall I submit it?",
)
SUBMIT = Phrase("确认提交", "Submit")
CANCEL = Phrase("取消", "Cancel")

# Answers that could not be used.
NO_NUMBER = Phrase(
    "没有找到运单号。我们的运单号是 KD 加 12 位数字，例如 KD202611230001。",
    "I couldn't find a tracking number there. Ours are KD followed by 12 digits, for "
    "example KD202611230001.",
)
NOT_FOUND = Phrase(
    "没有查到运单号 {number} 的包裹，请核对一下。",
    "I can't find a parcel with the number {number}. Please check it.",
)
OTHER_CARRIER = Phrase(
    "{number} 看起来是{carrier}的单号。我们只能为本公司配送的包裹办理退货，其他快递的退货请联系商家或{carrier}。",
    "{number} looks like a {carrier} number. I can only arrange returns of parcels we "
    "delivered; for others, please contact the seller or {carrier}.",
)
NOT_DELIVERED = Phrase(
    "包裹 {number} 现在是“{status}”，签收以后才能申请退货。如果不想要了，可以在派送时拒收。",
    "Parcel {number} is '{status}' at the moment; a return can be arranged once it has "
    "been delivered. If you no longer want it, you can refuse it at delivery.",
)
NOT_UNDERSTOOD_CATEGORY = Phrase("抱歉，没听明白是哪类商品。", "Sorry, I didn't catch what kind of item it is.")
NOT_UNDERSTOOD_REASON = Phrase("抱歉，没听明白退货原因。", "Sorry, I didn't catch the reason.")
NOT_UNDERSTOOD_YES_NO = Phrase("请回答“是”或“否”。", "Please answer yes or no.")
NOT_UNDERSTOOD_SLOT = Phrase(
    "抱歉，没有对上可选的时间。", "Sorry, that isn't one of the times I can offer."
)
ADDRESS_TOO_SHORT = Phrase(
    "这个地址太短了，快递员可能找不到。", "That address is too short for a courier to find."
)
LAST_TRY = Phrase(
    "如果还是不行，我会为您转人工客服。", "If it still doesn't work, I'll put you through to a person."
)

# How the form ends.
CANCELLED = Phrase(
    "好的，已取消这次退货申请，没有提交任何信息。需要时随时说“我要退货”。",
    "All right, I've cancelled this return; nothing was submitted. Just say 'I want to "
    "return something' whenever you need to.",
)
EXISTING = Phrase(
    "包裹 {number} 已经有一个退货申请：退货单号 {return_number}，{status}。",
    "Parcel {number} already has a return: {return_number}, {status}.",
)
NOT_ELIGIBLE_HINT = Phrase(
    "如果您觉得情况特殊，可以说“转人工”找同事处理。",
    "If you think your case is special, say 'agent' and a colleague will look at it.",
)
SUBMITTED = Phrase(
    "退货申请已提交，退货单号 {return_number}。\n快递员会在 {slot} 到 {address} 上门取件，"
    "请提前把商品连同配件、吊牌和赠品包装好，不用打印面单。\n退货运费由{payer}承担。"
    "商家收到退货并验货后退款，退款原路返回。\n随时发退货单号给我即可查询进度。",
    "Your return is booked: return number {return_number}.\nA courier will collect it "
    "from {address} {slot}. Please pack the item with its accessories, tags and free "
    "gifts; you don't need to print a label.\nReturn shipping is paid by {payer}. The "
    "seller refunds you to the original payment method once they have received and "
    "checked the item.\nSend me the return number any time to check its progress.",
)
SPOKEN_SUBMITTED = Phrase(
    "退货申请已提交，退货单号是 {digits}。快递员会在 {slot} 上门取件，"
    "请提前把商品包装好。退货运费由{payer}承担，商家验货后原路退款。",
    "Your return is booked; the return number is {digits}. A courier will collect it "
    "{slot}; please have it packed. Return shipping is paid by {payer}; the seller "
    "refunds you once they have checked it.",
)
NO_SLOTS = Phrase(
    "抱歉，未来三天的上门取件时间都约满了。",
    "Sorry, every pickup time in the next three days is taken.",
)
SUBMIT_FAILED = Phrase(
    "抱歉，退货系统暂时无法提交，您填的信息都已保留。稍后说“我要退货”可以接着提交。",
    "Sorry, the returns system can't take the request right now. Everything you told me "
    "is kept: say 'I want to return something' later and we'll carry on from here.",
)
RETURNS_UNAVAILABLE = Phrase(
    "抱歉，退货系统暂时查不到信息，请稍后再试。",
    "Sorry, I can't reach the returns system right now. Please try again in a few minutes.",
)
OFFER_RESUME = Phrase(
    "您刚才包裹 {number} 的退货申请还没办完，要接着办吗？",
    "Your return of parcel {number} isn't finished yet. Shall we carry on with it?",
)
RESUMED = Phrase("好的，我们接着办包裹 {number} 的退货。", "OK, let's carry on with the return of parcel {number}.")
CONTINUE = Phrase("继续退货", "Carry on")
NO_THANKS = Phrase("不用了", "No")

# Return status.
ASK_RETURN_NUMBER = Phrase(
    "请提供退货单号（以 RT 开头），或原包裹的运单号，我帮您查退货和退款进度。",
    "Please give me the return number (it starts with RT) or the tracking number of the "
    "original parcel, and I'll check the progress of your return and refund.",
)
NO_RETURN_NUMBER = Phrase(
    "没有找到退货单号或运单号。退货单号是 RT 加 10 位数字，例如 RT4820193375。",
    "I couldn't find a return or tracking number there. Return numbers are RT followed "
    "by 10 digits, for example RT4820193375.",
)
UNKNOWN_RETURN = Phrase(
    "没有查到退货单 {number}，请核对一下。", "I can't find a return {number}. Please check it."
)
NO_RETURNS_OF_PARCEL = Phrase(
    "包裹 {number} 还没有退货申请。需要退货的话，说“我要退货”就可以。",
    "Parcel {number} has no return yet. Say 'I want to return it' if you'd like to start one.",
)
RETURN_LINE = Phrase("退货单 {return_number}（包裹 {number}）：{status}。",
                     "Return {return_number} (parcel {number}): {status}.")
PICKUP_TIME = Phrase("取件时间：{slot}。", "Pickup: {slot}.")
PICKED_UP_AT = Phrase("已于 {when} 取件。", "Collected on {when}.")

RETURN_STATUS_WORDS: Dict[ReturnStatus, Phrase] = {
    ReturnStatus.REQUESTED: Phrase("已提交，正在安排取件", "submitted, the pickup is being arranged"),
    ReturnStatus.PICKUP_SCHEDULED: Phrase("已预约上门取件", "pickup booked"),
    ReturnStatus.PICKED_UP: Phrase("快递员已取件", "collected by the courier"),
    ReturnStatus.IN_TRANSIT_TO_SELLER: Phrase("正在寄回商家", "on its way back to the seller"),
    ReturnStatus.RECEIVED_BY_SELLER: Phrase("商家已收货，正在验货", "received by the seller, being checked"),
    ReturnStatus.REFUND_PENDING: Phrase("商家已同意退款，退款处理中", "accepted, the refund is being processed"),
    ReturnStatus.REFUNDED: Phrase("已退款", "refunded"),
    ReturnStatus.REJECTED: Phrase("商家未同意退货", "not accepted by the seller"),
    ReturnStatus.CANCELLED: Phrase("已取消", "cancelled"),
}
REFUND_WORDS: Dict[RefundState, Phrase] = {
    RefundState.NONE: Phrase("退款：商家收到退货并验货后发起。",
                             "Refund: the seller starts it after receiving and checking the item."),
    RefundState.PENDING: Phrase("退款：处理中，一般 1–7 个工作日原路到账。",
                                "Refund: in progress; it usually reaches your original payment "
                                "method within 1–7 working days."),
    RefundState.REFUNDED: Phrase("退款：已原路退回，如未看到请查看支付账户的明细。",
                                 "Refund: paid back to your original payment method; check that "
                                 "account's statement if you can't see it."),
}
STATUS_NEXT: Dict[ReturnStatus, Phrase] = {
    ReturnStatus.REJECTED: Phrase("如有疑问，可以说“转人工”。", "If you have questions, say 'agent'."),
    ReturnStatus.CANCELLED: Phrase("需要的话可以重新申请退货。", "You can start a new return if you need to."),
}

# "Can I return this?", before the return starts.
USUAL_RULE = Phrase(
    "大多数商品签收后 7 天内可以无理由退货，质量问题 15 天内可以退，具体要求按商品类别不同。",
    "Most goods can be returned without a reason within 7 days of delivery, and with a "
    "defect within 15 days; the conditions depend on the kind of item.",
)
START_NOW = Phrase("我现在就可以为您办理。", "I can start the return for you right away.")
