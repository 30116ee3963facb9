"""The Redis client of every process (foundation/redis_client.py) against a stand-in server
speaking Redis's protocol, which can drop every connection as a restarting Redis does,
or take a command and close without answering."""
import asyncio
from typing import List

import pytest
from redis.exceptions import ConnectionError

from foundation.redis_client import HEALTH_CHECK_SECONDS, connect


class StandInRedis:
    """Answers PING with PONG and anything else with "1"; records the commands."""

    def __init__(self) -> None:
        self.commands: List[str] = []
        self.writers: List[asyncio.StreamWriter] = []
        self.answering = True
        self.url = ""

    async def start(self) -> "StandInRedis":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"redis://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/0"
        return self

    def restart(self) -> None:
        """Every open connection closed, as when Redis stops and starts again."""
        for writer in self.writers:
            writer.close()
        self.writers.clear()

    async def stop(self) -> None:
        self.restart()
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            while True:
                count = int((await reader.readline())[1:])
                words = []
                for _ in range(count):
                    length = int((await reader.readline())[1:])
                    words.append((await reader.readexactly(length + 2))[:-2].decode())
                self.commands.append(words[0].upper())
                if words[0].upper() == "PING":
                    writer.write(b"+PONG\r\n")
                elif self.answering:
                    writer.write(b"$1\r\n1\r\n")
                else:
                    writer.close()
                    return
                await writer.drain()
        except (ValueError, ConnectionError, OSError, asyncio.IncompleteReadError):
            writer.close()


def run(scenario) -> None:
    async def main() -> None:
        server = await StandInRedis().start()
        client = connect(server.url)
        try:
            await scenario(server, client)
        finally:
            await client.close(close_connection_pool=True)
            await server.stop()

    asyncio.run(main())


def test_after_a_restart_the_next_command_gets_through_on_a_new_connection():
    async def scenario(server, client) -> None:
        assert await client.get("ticket") == "1"
        server.restart()
        await asyncio.sleep(HEALTH_CHECK_SECONDS + 0.2)  # the connection lay idle meanwhile
        assert await client.get("ticket") == "1"

    run(scenario)


def test_a_command_whose_answer_is_lost_is_not_sent_twice():
    async def scenario(server, client) -> None:
        server.answering = False
        with pytest.raises(ConnectionError):
            await client.evalsha("claim-next", 0, "amy")
        # A claim sent twice could give the agent a second customer they never see.
        assert server.commands.count("EVALSHA") == 1

    run(scenario)
