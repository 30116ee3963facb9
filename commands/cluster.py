"""Rasa's documented production topology, on one machine: `make run-cluster`
(`python -m commands.cluster`).

nginx (Debian's package) listens on RASA_PORT for the customers' side and spreads it
over two Rasa servers, sticky on the conversation; it listens on ACTIONS_PORT too and
spreads the Rasa servers' action calls over two action servers (ACTION_SERVER_URL
points there). The Rasa servers share the Redis lock store, the SQL tracker store
(DATABASE_URL; PostgreSQL in production) and the socket.io message bus in Redis; one
handoff service and one knowledge editor service serve them all, as in `make run`.
The servers behind nginx listen on free ports, printed at start. Every process,
nginx too, is a supervised child: one that dies is started again.

The benchmark and the tests start the same `Cluster` (`Cluster(settings, model).start()`).
"""
import argparse
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional

from commands.launcher import Service, Stack, prepare, serve
from commands.processes import ChildProcess, free_port
from foundation.settings import Settings

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
SERVERS = 2
# The Rasa servers behind nginx, as one address per line of the upstream block.
_UPSTREAM_LINE = "        server {address} max_fails=1 fail_timeout=5s;"


def find_nginx() -> Optional[str]:
    """nginx's path; Debian puts it in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(path, os.X_OK)), None)


def _listen(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _address(host: str, port: int) -> str:
    """Where a server listening on `host` is reached: a wildcard host on loopback."""
    return _listen("127.0.0.1" if host in ("", "0.0.0.0", "::") else host, port)


def render_nginx_config(settings: Settings, rasa_ports: List[int], action_ports: List[int],
                        nginx_dir: Path, log_dir: Path) -> str:
    """The nginx configuration of commands/nginx.conf.template for these ports."""
    def upstream(ports: List[int]) -> str:
        return "\n".join(_UPSTREAM_LINE.format(address=_address(settings.host, port))
                         for port in ports)

    fields = {
        "nginx_dir": str(nginx_dir),
        "log_dir": str(log_dir),
        "rasa_servers": upstream(rasa_ports),
        "action_servers": upstream(action_ports),
        "listen_rasa": _listen(settings.host, settings.rasa_port),
        "listen_actions": _listen(settings.host, settings.actions_port),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda field: fields[field.group(1)],
                  TEMPLATE.read_text(encoding="utf-8"))


class Cluster(Stack):
    """Redis, nginx, `servers` Rasa servers and as many action servers, one handoff
    service and one knowledge editor service."""

    def __init__(self, settings: Settings, model: Path, servers: int = SERVERS) -> None:
        super().__init__(settings, model)
        self.rasa_ports = [free_port() for _ in range(servers)]
        self.action_ports = [free_port() for _ in range(servers)]
        self.nginx_dir = settings.var_dir / "nginx"

    def ports(self) -> List[int]:
        return super().ports() + self.rasa_ports + self.action_ports

    def rasa_urls(self) -> List[str]:
        """Each Rasa server's own address, bypassing nginx."""
        return [f"http://{_address(self.settings.host, port)}" for port in self.rasa_ports]

    def services(self, env: Dict[str, str]) -> List[Service]:
        actions = [self.action_server(env, f"action server {number}", port, f"actions-{number}.log")
                   for number, port in enumerate(self.action_ports, 1)]
        rasa = [self.rasa_server(env, f"Rasa server {number}", port, f"rasa-{number}.log")
                for number, port in enumerate(self.rasa_ports, 1)]
        return [*actions, *rasa, *self.staff_services(env), self._nginx()]

    def _nginx(self) -> Service:
        nginx = find_nginx()
        if not nginx:
            raise RuntimeError("nginx is not installed: run `make nginx` as root, or "
                               "`sudo apt-get install nginx`.")
        for temporary in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.nginx_dir / "tmp" / temporary).mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        config = self.nginx_dir / "nginx.conf"
        config.write_text(render_nginx_config(self.settings, self.rasa_ports, self.action_ports,
                                              self.nginx_dir, self.log_dir), encoding="utf-8")
        child = ChildProcess(
            "nginx", [nginx, "-p", str(self.nginx_dir), "-c", str(config), "-g", "daemon off;"],
            cwd=self.nginx_dir, log_path=self.log_dir / "nginx.log",
        )
        return child, f"{self.settings.rasa_url}/nginx-health"

    def summary(self) -> List[str]:
        lines = super().summary()
        lines.insert(0, f"  nginx:           {self.settings.rasa_url} → Rasa servers "
                        f"{', '.join(self.rasa_urls())}; {self.settings.actions_url} → "
                        "action servers on ports "
                        + ", ".join(str(port) for port in self.action_ports))
        if self.settings.database_url.startswith("sqlite"):
            lines.append("  Note: the tracker store is SQLite, which only Rasa servers on this "
                         "machine can share; production needs PostgreSQL "
                         "(DATABASE_URL=postgresql://user:password@host:5432/db).")
        return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var-dir", type=Path, default=None,
                        help="where the data, secrets and logs live (default: var/)")
    args = parser.parse_args()
    settings, model = prepare(args.var_dir)
    sys.exit(serve(Cluster(settings, model),
                   f"nginx, {SERVERS} Rasa servers, {SERVERS} action servers, the handoff "
                   "service and the knowledge editor"))


if __name__ == "__main__":
    main()
