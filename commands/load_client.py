"""Scripted customers for the load benchmark (commands/bench_load.py).

Each virtual customer plays one script after another, each in a new conversation (so no
conversation goes over the channels' per-minute message limit), half of them over REST
as an app back-end does and half over socket.io as the web chat widget does. A turn is
one customer message and every bot message it brings; its time runs from sending to the
last of those messages. REST answers a turn in one response; on socket.io the turn is
over once no further message came for `SOCKET_QUIET` seconds, a pause counted neither
in the turn's time nor as load (it only delays that customer's next message).
"""
import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import aiohttp
import socketio

SOCKET_QUIET = 0.3
TURN_TIMEOUT = 30.0

# A mix like the peak's: tracking (Chinese and English), knowledge questions, a return
# form up to the SMS code, and a handoff. {in_transit} and {delivered} are demo parcels.
SCRIPTS: Sequence[Sequence[str]] = (
    ("你好", "我的快递到哪了", "{in_transit}", "运费怎么算", "谢谢"),
    ("在吗", "可以寄到国外吗", "周末送货吗", "好的谢谢"),
    ("我要退货", "{delivered}", "衣服", "尺码不合适", "是", "没有"),
    ("hi", "where is my parcel", "{in_transit}", "thanks"),
    ("你好", "快递好几天没更新了", "转人工"),
)


@dataclass
class Target:
    """Where the customers talk to: a Rasa server (or a balancer in front of several)."""

    name: str
    url: str
    rest_token: Optional[str] = None  # the project's REST channel wants a front end's token


@dataclass
class Results:
    durations: List[float] = field(default_factory=list)
    errors: Dict[str, int] = field(default_factory=dict)

    def failed(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1


class RestCustomer:
    def __init__(self, target: Target, session: aiohttp.ClientSession) -> None:
        self.target = target
        self.session = session
        self.headers = {"Authorization": f"Bearer {target.rest_token}"} if target.rest_token else {}
        self.sender = ""

    async def start_conversation(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex[:12]}"

    async def turn(self, text: str) -> Tuple[int, float]:
        """Sends `text`; the number of bot messages it brought and when the last came."""
        async with self.session.post(
            f"{self.target.url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            # Keeps the conversation on one server behind a balancer (README, "Scaling out").
            headers={**self.headers, "X-Conversation-Id": self.sender},
            timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT),
        ) as reply:
            if reply.status != 200:
                raise TurnFailed(f"HTTP {reply.status}")
            return len(await reply.json()), time.perf_counter()

    async def close(self) -> None:
        pass


class SocketCustomer:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.client: Optional[socketio.AsyncClient] = None
        self.replies: asyncio.Queue = asyncio.Queue()
        self.session_id = ""

    async def start_conversation(self) -> None:
        await self.close()
        self.client = socketio.AsyncClient(reconnection=False)
        self.replies = asyncio.Queue()
        confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", self.replies.put_nowait)
        self.client.on("session_confirm", confirmed.put_nowait)
        await self.client.connect(self.target.url, socketio_path="/socket.io",
                                  transports=["websocket"], wait_timeout=TURN_TIMEOUT)
        await self.client.emit("session_request", {"session_id": uuid.uuid4().hex})
        session = await asyncio.wait_for(confirmed.get(), TURN_TIMEOUT)
        self.session_id = str(session)

    async def turn(self, text: str) -> Tuple[int, float]:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        await asyncio.wait_for(self.replies.get(), TURN_TIMEOUT)
        count = 1
        last = time.perf_counter()
        while True:
            try:
                await asyncio.wait_for(self.replies.get(), SOCKET_QUIET)
            except asyncio.TimeoutError:
                return count, last
            count += 1
            last = time.perf_counter()

    async def close(self) -> None:
        if self.client is not None and self.client.connected:
            await self.client.disconnect()


class TurnFailed(Exception):
    pass


async def play(customer, parcels: Dict[str, str], deadline: float, results: Results,
               first_script: int, think: float = 0.0) -> int:
    """Plays scripts until `deadline`, pausing `think` seconds after each reply (the
    customer reading and typing); the number of turns answered."""
    turns = 0
    for script in itertools.islice(itertools.cycle(SCRIPTS), first_script, None):
        if time.perf_counter() >= deadline:
            return turns
        try:
            await customer.start_conversation()
        except Exception as error:  # a refused connection is a result, not a crash
            results.failed(f"connect: {type(error).__name__}")
            await asyncio.sleep(0.5)
            continue
        for line in script:
            if time.perf_counter() >= deadline:
                return turns
            started = time.perf_counter()
            try:
                answered, finished = await customer.turn(line.format(**parcels))
            except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
                results.failed("no reply in time")
                break
            except TurnFailed as error:
                results.failed(str(error))
                break
            except Exception as error:
                results.failed(type(error).__name__)
                break
            if not answered:
                results.failed("turn without a reply")
            results.durations.append(finished - started)
            turns += 1
            if think:
                await asyncio.sleep(think)
    return turns


async def run_load(target: Target, conversations: int, seconds: float,
                   parcels: Dict[str, str], think: float = 0.0) -> "LoadFigures":
    """`conversations` customers at once for `seconds`; half REST, half socket.io; each
    pauses `think` seconds between a reply and their next message."""
    results = Results()
    connector = aiohttp.TCPConnector(limit=conversations + 10)
    async with aiohttp.ClientSession(connector=connector) as session:
        customers = [
            RestCustomer(target, session) if index % 2 == 0 else SocketCustomer(target)
            for index in range(conversations)
        ]
        started, cpu_started = time.perf_counter(), time.process_time()
        deadline = started + seconds
        counts = await asyncio.gather(*(
            play(customer, parcels, deadline, results, index, think)
            for index, customer in enumerate(customers)
        ))
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_started
        await asyncio.gather(*(customer.close() for customer in customers),
                             return_exceptions=True)
    return LoadFigures(conversations, sum(counts), elapsed, results, client_cpu, think)


@dataclass
class LoadFigures:
    conversations: int
    turns: int
    seconds: float
    results: Results
    # The load client shares the machine: the CPU seconds it took itself.
    client_cpu: float = 0.0
    think: float = 0.0  # each customer's pause between a reply and their next message

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0
