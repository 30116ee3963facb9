"""The sentence encoder in a process of its own, fed the messages that arrive together.

Rasa runs the whole NLU pipeline inside the server's event loop, and the server is one
Python process: under load the sentence encoder was a quarter of the loop's busy time
(py-spy, 50 conversations at once), every other conversation waiting meanwhile, while
the second core was half idle. A thread would not help: the encoder's many small numpy
steps need the GIL the loop holds.

So each Rasa server starts an encoder process (bot/nlu/encoder_worker.py) and
`MessageProcessor.parse_message` first awaits its text's vector from it. The texts that
arrive while the process encodes are sent together as the next batch: nothing waits for
a batch to fill, and a batch costs little more than one message (the encoder mostly
streams its weights: 8 texts take ~8 ms, one ~3 ms). The vector reaches the pipeline's
featurizer through a context variable of the message's own task (`PREPARED`), so it is
that message's vector or none, and nothing is kept between messages.

Whenever the process cannot answer (still loading its weights at start-up, died, too
slow) the message goes on without a vector and the featurizer encodes it in the server,
as before; a dead process is started again, at most every RESTART_SECONDS.
"""
import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu.encoder_worker import ENCODED, READY
from bot.nlu.sentence_encoder import PREPARED, SentenceEncoderFeaturizer
from bot.nlu.text_normaliser import model_text
from foundation.sentence_encoder import DIMENSIONS

logger = logging.getLogger(__name__)

# 16 texts encode in about the time of 3 alone; a bigger batch costs as much per text
# and only keeps its first message waiting longer.
MOST_PER_BATCH = 16
# Loading numpy and the weights takes ~1.5 s; a batch ~10 ms.
START_SECONDS = 60.0
ENCODE_SECONDS = 5.0
RESTART_SECONDS = 10.0
# Where `python -m bot.nlu.encoder_worker` is found, whatever the server's working folder.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_rasa_parse_message = MessageProcessor.parse_message


class EncoderProcess:
    """This server's encoder process: started on first use, in the background; None for
    texts it cannot encode now."""

    def __init__(self) -> None:
        self._process: Optional[asyncio.subprocess.Process] = None
        self._ready = False
        self._last_start = -RESTART_SECONDS

    async def encode(self, texts: List[Text]) -> Optional[np.ndarray]:
        if not self._ready:
            self._start_soon()
            return None
        try:
            answer = await asyncio.wait_for(self._exchange(texts), ENCODE_SECONDS)
        except Exception as error:
            logger.warning("The sentence encoder process failed (%s: %s); the server "
                           "encodes messages itself until it is back.",
                           type(error).__name__, error)
            self.stop()
            return None
        except BaseException:  # cancelled mid-exchange: its answer must not be read later
            self.stop()
            raise
        if answer is None:
            logger.warning("The sentence encoder process could not encode %d texts; the "
                           "server encodes them itself.", len(texts))
        return answer

    async def _exchange(self, texts: List[Text]) -> Optional[np.ndarray]:
        self._process.stdin.write(json.dumps(texts).encode() + b"\n")
        await self._process.stdin.drain()
        if await self._process.stdout.readexactly(len(ENCODED)) != ENCODED:
            return None
        data = await self._process.stdout.readexactly(len(texts) * DIMENSIONS * 4)
        return np.frombuffer(data, dtype=np.float32).reshape(len(texts), DIMENSIONS)

    def _start_soon(self) -> None:
        if self._process is None and time.monotonic() - self._last_start >= RESTART_SECONDS:
            self._last_start = time.monotonic()
            asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.nlu.encoder_worker",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=PROJECT_ROOT)
            signal = await asyncio.wait_for(
                self._process.stdout.readexactly(len(READY)), START_SECONDS)
            if signal != READY:
                raise EOFError(f"it said {signal!r}")
            self._ready = True
        except (OSError, EOFError, asyncio.TimeoutError) as error:
            logger.warning("The sentence encoder process did not start (%s); the server "
                           "encodes messages itself.", error or type(error).__name__)
            self.stop()

    def stop(self) -> None:
        self._ready = False
        if self._process is not None and self._process.returncode is None:
            try:
                self._process.kill()
            except ProcessLookupError:  # gone already, or its event loop closed
                pass
        self._process = None


class SentenceBatches:
    """Encodes the texts awaited in one event loop, those waiting together in one batch."""

    def __init__(self) -> None:
        self._encoder = EncoderProcess()
        self._waiting: Dict[Text, asyncio.Future] = {}
        self._encoding = False

    def stop(self) -> None:
        self._encoder.stop()

    async def vector(self, text: Text) -> Optional[np.ndarray]:
        future = self._waiting.get(text)  # the same text twice in a batch is encoded once
        if future is None:
            future = self._waiting[text] = asyncio.get_running_loop().create_future()
            if not self._encoding:
                self._encoding = True
                asyncio.get_running_loop().create_task(self._encode_waiting())
        # A turn cancelled while waiting must not cancel the others' vectors.
        return await asyncio.shield(future)

    async def _encode_waiting(self) -> None:
        try:
            while self._waiting:
                texts = list(self._waiting)[:MOST_PER_BATCH]
                futures = [self._waiting.pop(text) for text in texts]
                vectors = None
                try:
                    vectors = await self._encoder.encode(texts)
                finally:
                    for index, future in enumerate(futures):
                        if not future.done():  # none is left waiting, whatever happened
                            future.set_result(None if vectors is None else vectors[index])
        finally:
            self._encoding = False


# The server has one event loop; a test process may run several, one after another.
_of_loop: Optional[Tuple[asyncio.AbstractEventLoop, SentenceBatches]] = None


def _batches_of_this_loop() -> SentenceBatches:
    global _of_loop
    loop = asyncio.get_running_loop()
    if _of_loop is None or _of_loop[0] is not loop:
        if _of_loop is not None:
            _of_loop[1].stop()
        _of_loop = (loop, SentenceBatches())
    return _of_loop[1]


def _encodes_sentences(processor: MessageProcessor) -> bool:
    uses = processor.__dict__.get("_uses_sentence_encoder")
    if uses is None:
        uses = processor.__dict__["_uses_sentence_encoder"] = any(
            node.uses is SentenceEncoderFeaturizer
            for node in processor.model_metadata.predict_schema.nodes.values())
    return uses


async def parse_message(self: MessageProcessor, message: UserMessage,
                        tracker: Optional[DialogueStateTracker] = None,
                        only_output_properties: bool = True) -> Dict[Text, Any]:
    text = message.text
    if (not text or text.startswith(INTENT_MESSAGE_PREFIX) or self.http_interpreter
            or not _encodes_sentences(self)):
        return await _rasa_parse_message(self, message, tracker, only_output_properties)
    key = model_text(text)[0]
    vector = await _batches_of_this_loop().vector(key)
    token = PREPARED.set(None if vector is None else (key, vector))
    try:
        return await _rasa_parse_message(self, message, tracker, only_output_properties)
    finally:
        PREPARED.reset(token)


def install() -> None:
    MessageProcessor.parse_message = parse_message  # type: ignore[assignment]
