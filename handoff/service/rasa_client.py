"""The few calls of Rasa's HTTP API the agent service makes: read a conversation's
tracker, add events to it, and run the bot on an intent."""
import asyncio
from typing import Any, Dict, List
from urllib.parse import quote

import aiohttp

# For the service's HTTP session (handoff/service/app.py): a Rasa that takes longer is down.
RASA_TIMEOUT_SECONDS = 10


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error: nothing was recorded."""


class _RasaNotFound(RasaUnavailable):
    pass


class RasaClient:
    def __init__(self, url: str, token: str, session: aiohttp.ClientSession) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.session = session

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return await self._request("GET", f"/conversations/{quote(conversation_id, safe='')}/tracker")

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        """Adds events to the tracker; Rasa predicts nothing (execute_side_effects is
        off by default), so a recorded message is not answered by the bot."""
        await self._request(
            "POST", f"/conversations/{quote(conversation_id, safe='')}/tracker/events", json=events
        )

    async def trigger_intent(self, conversation_id: str, intent: str) -> bool:
        """Runs the bot as if the customer had said `intent`; its replies go to the
        channel the customer last wrote on. False when the domain has no such intent."""
        try:
            await self._request(
                "POST",
                f"/conversations/{quote(conversation_id, safe='')}/trigger_intent",
                params={"output_channel": "latest"},
                json={"name": intent},
            )
        except _RasaNotFound:
            return False
        return True

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"token": self.token, **kwargs.pop("params", {})}
        try:
            async with self.session.request(
                method, self.url + path, params=params, **kwargs
            ) as reply:
                if reply.status == 404:
                    raise _RasaNotFound(await reply.text())
                if reply.status >= 400:
                    raise RasaUnavailable(
                        f"Rasa answered {method} {path.split('/')[1]} with HTTP {reply.status}: "
                        f"{(await reply.text())[:200]}"
                    )
                return await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(f"Rasa at {self.url} is not reachable ({error!r}).") from error
