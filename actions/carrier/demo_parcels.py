"""The demo carrier's parcels: invented, but the same every time for the same moment.

`build_parcels(now)` invents 315 parcels covering every status a customer can meet,
with timelines that end relative to `now`. A fixed random seed makes the same `now`
give the same parcels, so tests and benchmarks are stable. Parcels carry the carrier's
*recorded* status; the demo gateway turns a quiet moving parcel into STUCK when it
reads it (see gateway.py).
"""
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from actions.carrier.gateway import SHANGHAI, Parcel, ParcelStatus, Party, ScanEvent

RANDOM_SEED = 20261123

# scenario: (how many parcels, hours from their last scan to "now": at least, at most)
SCENARIOS: Dict[str, Tuple[int, int, int]] = {
    "created": (15, 1, 30),
    "picked_up": (15, 1, 30),
    "in_transit": (50, 1, 48),
    "at_branch": (25, 1, 36),
    "out_for_delivery": (25, 1, 8),
    "delivered_to_person": (50, 2, 480),
    "delivered_to_locker": (20, 2, 240),
    "delivered_to_station": (20, 2, 240),
    "signed_by_other": (20, 2, 480),
    "delivery_failed": (15, 2, 30),
    "held": (12, 12, 120),
    "returned_to_sender": (12, 48, 600),
    "damaged": (10, 24, 400),
    "lost": (8, 72, 600),
    "stuck": (18, 80, 240),  # over 72 h without a scan
}

# Regular customers receive (and sometimes send) many parcels, so a phone lookup
# finds several.
REGULAR_CUSTOMERS = 30
RECIPIENTS_FROM_REGULARS = 0.45
SENDERS_FROM_REGULARS = 0.08


@dataclass(frozen=True)
class District:
    name: str  # 西湖区
    short: str  # 西湖, as in branch names
    english: str
    streets: Tuple[str, ...]


@dataclass(frozen=True)
class City:
    province: str  # the city itself for the municipalities
    name: str
    short: str
    english: str
    hub: str
    hub_english: str
    districts: Tuple[District, ...]


def _city(province: str, name: str, english: str, hub: str, hub_english: str,
          *districts: District) -> City:
    return City(province, name, name.rstrip("市"), english, hub, hub_english, districts)


CITIES = (
    _city("上海市", "上海市", "Shanghai", "上海浦东转运中心", "Shanghai Pudong Transfer Centre",
          District("浦东新区", "浦东", "Pudong", ("张杨路", "世纪大道", "金科路")),
          District("徐汇区", "徐汇", "Xuhui", ("漕溪北路", "肇嘉浜路", "虹桥路")),
          District("闵行区", "闵行", "Minhang", ("七莘路", "沪闵路", "莘庄路"))),
    _city("北京市", "北京市", "Beijing", "北京顺义分拨中心", "Beijing Shunyi Sorting Centre",
          District("朝阳区", "朝阳", "Chaoyang", ("建国路", "望京街", "朝阳北路")),
          District("海淀区", "海淀", "Haidian", ("中关村大街", "学院路", "西三环北路")),
          District("东城区", "东城", "Dongcheng", ("东直门内大街", "王府井大街"))),
    _city("浙江省", "杭州市", "Hangzhou", "杭州萧山转运中心", "Hangzhou Xiaoshan Transfer Centre",
          District("西湖区", "西湖", "Xihu", ("文三路", "天目山路", "古墩路")),
          District("滨江区", "滨江", "Binjiang", ("江南大道", "滨盛路")),
          District("余杭区", "余杭", "Yuhang", ("文一西路", "五常大道"))),
    _city("广东省", "广州市", "Guangzhou", "广州白云转运中心", "Guangzhou Baiyun Transfer Centre",
          District("天河区", "天河", "Tianhe", ("天河路", "体育西路", "黄埔大道")),
          District("越秀区", "越秀", "Yuexiu", ("中山五路", "东风中路")),
          District("海珠区", "海珠", "Haizhu", ("新港中路", "江南大道中"))),
    _city("广东省", "深圳市", "Shenzhen", "深圳宝安转运中心", "Shenzhen Bao'an Transfer Centre",
          District("南山区", "南山", "Nanshan", ("科技园路", "南海大道", "深南大道")),
          District("福田区", "福田", "Futian", ("福华三路", "益田路")),
          District("龙岗区", "龙岗", "Longgang", ("龙岗大道", "布吉路"))),
    _city("四川省", "成都市", "Chengdu", "成都双流转运中心", "Chengdu Shuangliu Transfer Centre",
          District("武侯区", "武侯", "Wuhou", ("人民南路", "武侯祠大街")),
          District("锦江区", "锦江", "Jinjiang", ("春熙路", "东大街")),
          District("成华区", "成华", "Chenghua", ("建设路", "二环路东二段"))),
    _city("湖北省", "武汉市", "Wuhan", "武汉东西湖转运中心", "Wuhan Dongxihu Transfer Centre",
          District("武昌区", "武昌", "Wuchang", ("中南路", "武珞路")),
          District("洪山区", "洪山", "Hongshan", ("珞喻路", "光谷大道")),
          District("江汉区", "江汉", "Jianghan", ("解放大道", "江汉路"))),
    _city("江苏省", "南京市", "Nanjing", "南京江宁转运中心", "Nanjing Jiangning Transfer Centre",
          District("鼓楼区", "鼓楼", "Gulou", ("中山北路", "北京西路")),
          District("玄武区", "玄武", "Xuanwu", ("珠江路", "中山路")),
          District("建邺区", "建邺", "Jianye", ("江东中路", "应天大街"))),
    _city("陕西省", "西安市", "Xi'an", "西安港务区转运中心", "Xi'an Port District Transfer Centre",
          District("雁塔区", "雁塔", "Yanta", ("小寨东路", "科技路")),
          District("碑林区", "碑林", "Beilin", ("南大街", "友谊西路"))),
)

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何林罗高"
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "秀英", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰",
    "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "文博", "子涵", "雨桐", "浩然",
    "欣怡", "思远", "嘉怡", "建国",
)
MOBILE_PREFIXES = (
    "134", "135", "136", "138", "139", "150", "151", "152", "158", "159",
    "166", "176", "177", "180", "186", "187", "188", "189", "191", "199",
)
# Who signed instead of the recipient: Chinese as shown, and in English.
OTHER_SIGNERS = {
    "门卫": "the gatekeeper",
    "家人": "a family member",
    "前台": "the front desk",
    "同事": "a colleague",
    "物业": "property management",
}
FAILURE_REASONS = (
    ("收件人电话无人接听，将于次日再次派送", "the recipient did not answer the phone; we will try again tomorrow"),
    ("收件地址不详，正在联系收件人核实", "the address is incomplete; we are contacting the recipient"),
    ("收件人不在家，已预约次日派送", "nobody was at home; redelivery is booked for tomorrow"),
)


@dataclass(frozen=True)
class Customer:
    party: Party
    city: City
    district: District
    street: str


class Step(NamedTuple):
    """A scan event before it has a time."""

    status: ParcelStatus
    place: str
    description_zh: str
    description_en: str


@dataclass(frozen=True)
class Outcome:
    steps: List[Step]
    delivered_to: Optional[str] = None
    signed_by: Optional[str] = None
    pickup_code: Optional[str] = None


def build_parcels(now: datetime) -> List[Parcel]:
    """The demo parcels, the same every time for the same `now`."""
    rng = random.Random(RANDOM_SEED)
    now = now.astimezone(SHANGHAI).replace(second=0, microsecond=0)
    used_phones: Set[str] = set()
    regulars = [new_customer(rng, used_phones) for _ in range(REGULAR_CUSTOMERS)]
    scenarios = [name for name, (count, _, _) in SCENARIOS.items() for _ in range(count)]
    rng.shuffle(scenarios)

    parcels = []
    for serial, scenario in enumerate(scenarios, start=1):
        recipient, sender = rng.sample(regulars, 2)
        if rng.random() >= RECIPIENTS_FROM_REGULARS:
            recipient = new_customer(rng, used_phones)
        if rng.random() >= SENDERS_FROM_REGULARS:
            sender = new_customer(rng, used_phones)
        outcome = plan(scenario, sender, recipient, rng)

        _, fewest_hours, most_hours = SCENARIOS[scenario]
        last_time = now - timedelta(minutes=rng.randint(fewest_hours * 60, most_hours * 60))
        times = [last_time]
        for _ in outcome.steps[1:]:
            times.insert(0, times[0] - timedelta(minutes=rng.randint(60, 600)))
        events = [ScanEvent(time, **step._asdict()) for time, step in zip(times, outcome.steps)]

        created = events[0].time
        days = 1 if sender.city == recipient.city else rng.randint(2, 4)
        promised = created.date() + timedelta(days=days)
        parcels.append(
            Parcel(
                tracking_number=f"KD{created:%Y%m%d}{serial:04d}",
                status=events[-1].status,
                events=events,
                sender=sender.party,
                recipient=recipient.party,
                promised_date=promised,
                estimated_date=estimate(scenario, promised, last_time, now.date()),
                pickup_code=outcome.pickup_code,
                delivered_to=outcome.delivered_to,
                signed_by=outcome.signed_by,
            )
        )
    return parcels


def new_customer(rng: random.Random, used_phones: Set[str]) -> Customer:
    city = rng.choice(CITIES)
    district = rng.choice(city.districts)
    street = rng.choice(district.streets)
    city_part = "" if city.name == city.province else city.name
    address = (
        f"{city.province}{city_part}{district.name}{street}{rng.randint(1, 999)}号"
        f"{rng.randint(1, 20)}幢{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
    )
    party = Party(new_name(rng), new_phone(rng, used_phones), address)
    return Customer(party, city, district, street)


def new_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def random_mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def new_phone(rng: random.Random, used_phones: Set[str]) -> str:
    """A mobile number no other customer in the demo has."""
    while True:
        phone = random_mobile(rng)
        if phone not in used_phones:
            used_phones.add(phone)
            return phone


def branch(customer: Customer) -> Tuple[str, str]:
    """The branch serving a customer's district, in Chinese and English."""
    return (
        f"{customer.city.short}{customer.district.short}营业部",
        f"{customer.city.english} {customer.district.english} Branch",
    )


def journey(sender: Customer, recipient: Customer, rng: random.Random) -> List[Step]:
    """Every step from order to out-for-delivery: branch, hub(s), branch, courier."""
    origin, origin_en = branch(sender)
    local, local_en = branch(recipient)
    first, last = sender.city, recipient.city
    steps = [
        Step(ParcelStatus.CREATED, origin, "寄件人已下单，等待快递员上门揽收",
             "Shipment created; waiting for pickup"),
        Step(ParcelStatus.PICKED_UP, origin, f"{origin}快递员已揽收", f"Picked up by {origin_en}"),
        Step(ParcelStatus.IN_TRANSIT, first.hub, f"已到达{first.hub}",
             f"Arrived at {first.hub_english}"),
    ]
    if last != first:
        steps += [
            Step(ParcelStatus.IN_TRANSIT, first.hub, f"已离开{first.hub}，发往{last.hub}",
                 f"Left {first.hub_english} for {last.hub_english}"),
            Step(ParcelStatus.IN_TRANSIT, last.hub, f"已到达{last.hub}",
                 f"Arrived at {last.hub_english}"),
        ]
    courier, phone = new_name(rng), random_mobile(rng)
    steps += [
        Step(ParcelStatus.IN_TRANSIT, last.hub, f"已离开{last.hub}，发往{local}",
             f"Left {last.hub_english} for {local_en}"),
        Step(ParcelStatus.AT_BRANCH, local, f"已到达{local}，准备派送",
             f"Arrived at {local_en}, preparing for delivery"),
        Step(ParcelStatus.OUT_FOR_DELIVERY, local, f"{local}快递员{courier}正在派送（电话 {phone}）",
             f"Out for delivery from {local_en}; courier phone {phone}"),
    ]
    return steps


def plan(scenario: str, sender: Customer, recipient: Customer, rng: random.Random) -> Outcome:
    """The steps a parcel went through in this scenario, and how it was handed over."""
    steps = journey(sender, recipient, rng)
    at_branch = len(steps) - 2
    # Cut somewhere between the first hub and the destination branch.
    in_transit = steps[: rng.randrange(3, at_branch + 1)]
    local = steps[at_branch].place
    code = f"{rng.randrange(10**6):06d}"

    if scenario == "created":
        return Outcome(steps[:1])
    if scenario == "picked_up":
        return Outcome(steps[:2])
    if scenario in ("in_transit", "stuck"):
        return Outcome(in_transit)
    if scenario == "at_branch":
        return Outcome(steps[: at_branch + 1])
    if scenario == "out_for_delivery":
        return Outcome(steps)
    if scenario == "delivered_to_person":
        handed_over = Step(ParcelStatus.DELIVERED, local, "已签收，签收人：本人",
                           "Delivered; signed for by the recipient")
        return Outcome(steps + [handed_over], delivered_to="person", signed_by=recipient.party.name)
    if scenario == "delivered_to_locker":
        locker = f"{recipient.street}智能快递柜"
        handed_over = Step(ParcelStatus.DELIVERED, locker, f"已投递至{locker}，取件码 {code}",
                           f"Delivered to a parcel locker near the recipient; pickup code {code}")
        return Outcome(steps + [handed_over], delivered_to="locker", pickup_code=code)
    if scenario == "delivered_to_station":
        station = f"{recipient.district.short}{recipient.street}快递驿站"
        handed_over = Step(ParcelStatus.DELIVERED, station,
                           f"已到达{station}，请凭取件码 {code} 取件",
                           f"Ready for collection at a pickup station; pickup code {code}")
        return Outcome(steps + [handed_over], delivered_to="station", pickup_code=code)
    if scenario == "signed_by_other":
        signer = rng.choice(sorted(OTHER_SIGNERS))
        handed_over = Step(ParcelStatus.DELIVERED, local, f"已签收，签收人：{signer}",
                           f"Delivered; signed for by {OTHER_SIGNERS[signer]}")
        return Outcome(steps + [handed_over], delivered_to="other", signed_by=signer)
    if scenario == "delivery_failed":
        reason_zh, reason_en = rng.choice(FAILURE_REASONS)
        failed = Step(ParcelStatus.DELIVERY_FAILED, local, f"派送不成功：{reason_zh}",
                      f"Delivery failed: {reason_en}")
        return Outcome(steps + [failed])
    if scenario == "held":
        held = Step(ParcelStatus.HELD, local, f"应收件人要求暂缓派送，包裹在{local}保管",
                    "Held at the branch at the recipient's request")
        return Outcome(steps[: at_branch + 1] + [held])
    if scenario == "returned_to_sender":
        return Outcome(steps + [
            Step(ParcelStatus.DELIVERY_FAILED, local, "派送不成功：收件人拒收",
                 "Delivery failed: the recipient refused the parcel"),
            Step(ParcelStatus.IN_TRANSIT, local, f"退件已从{local}发出，退回寄件人",
                 "Return shipment sent back to the sender"),
            Step(ParcelStatus.RETURNED_TO_SENDER, steps[0].place, "退件已由寄件人签收",
                 "The sender has received the returned parcel"),
        ])
    if scenario == "damaged":
        place = in_transit[-1].place
        damaged = Step(ParcelStatus.DAMAGED, place,
                       f"在{place}发现外包装破损，已拍照登记，客服将联系寄件人和收件人",
                       "Damaged packaging found during sorting; photographed and recorded, "
                       "customer service will be in touch")
        return Outcome(in_transit + [damaged])
    if scenario == "lost":
        lost = Step(ParcelStatus.LOST, in_transit[-1].place, "包裹在运输途中遗失，已为寄件人启动理赔",
                    "The parcel was lost in transit; a compensation claim has been opened")
        return Outcome(in_transit + [lost])
    raise ValueError(f"No plan for demo scenario {scenario!r}.")


def estimate(scenario: str, promised: date, last_scan: datetime, today: date) -> Optional[date]:
    """The carrier's delivery estimate; None when the journey ended, is on hold or stuck."""
    if scenario == "out_for_delivery":
        return today
    if scenario == "delivery_failed":
        return last_scan.date() + timedelta(days=1)
    if scenario in ("created", "picked_up", "in_transit", "at_branch"):
        return max(promised, today)
    return None
