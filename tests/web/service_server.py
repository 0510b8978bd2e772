"""Helpers for tests against a real ``microdose serve`` of the service (one or more workers).

Accounts are created through the services before the server starts (a server is in service
mode when its database holds accounts). Clients are plain ``http.client`` keep-alive
connections; which worker process answered a connection is read from ``/proc`` (the worker
that holds the server side of the TCP connection), so the app needs no debug hook.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from tests.service_support import PASSWORD, account

from microdose.store.engine import make_engine
from microdose.store.migrate import ensure_schema


def create_participants(database_url: str, count: int, *, prefix: str = "p") -> list[str]:
    """``count`` participant accounts (cheap argon2id hashes); returns their emails."""
    engine = make_engine(database_url)
    ensure_schema(engine)
    emails = [f"{prefix}{i:03d}@example.org" for i in range(count)]
    with Session(engine) as session, session.begin():
        for email in emails:
            account(session, email, "participant", timezone="UTC")
    engine.dispose()
    return emails


@dataclass
class Running:
    """A ``microdose serve`` subprocess, its address and the line it printed."""

    process: subprocess.Popen[str]
    url: str
    banner: str


@contextmanager
def serving(database_url: str, *extra: str, env: dict[str, str] | None = None
            ) -> Iterator[Running]:
    """Run ``microdose serve --port 0 EXTRA…`` until the block ends (SIGTERM, by pid)."""
    environ = {**os.environ, "MICRODOSE_TIMEZONE": "UTC", **(env or {})}
    command = [sys.executable, "-m", "microdose", "--database-url", database_url, "serve",
               "--port", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=environ)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert found, banner + process.stdout.read()
        yield Running(process, found.group(0), banner)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for_workers(server_pid: int, count: int) -> list[int]:
    """The server's worker pids, once ``count`` of them run (they start after the banner)."""
    deadline = time.monotonic() + 30
    while len(found := worker_pids(server_pid)) < count:
        assert time.monotonic() < deadline, f"workers: {found}"
        time.sleep(0.1)
    return found


@dataclass
class Answer:
    """One HTTP response: status, headers (lower-case names) and the JSON body."""

    status: int
    headers: dict[str, str]
    body: Any


class Client:
    """A keep-alive connection to a server at ``http://127.0.0.1:PORT``."""

    def __init__(self, url: str, token: str | None = None) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.connection = http.client.HTTPConnection(host, self.port, timeout=120)
        self.token = token

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> Answer:
        """Send one request (JSON body, bearer token if any) and read the answer."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        payload = None if body is None else json.dumps(body)
        self.connection.request(method, path, payload, sent)
        response = self.connection.getresponse()
        raw = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, found, json.loads(raw) if raw else None)

    def log_in(self, email: str) -> str:
        """Log in through the API; the token is used for later calls and returned."""
        answer = self.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        assert answer.status == 200, answer.body
        self.token = str(answer.body["token"])
        return self.token

    def local_port(self) -> int:
        """The client side's port of the open connection."""
        assert self.connection.sock is not None, "no open connection"
        return int(self.connection.sock.getsockname()[1])

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def worker_pids(server_pid: int) -> list[int]:
    """The uvicorn worker processes of a server (its spawned children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def _socket_inode(server_port: int, client_port: int) -> str:
    """The inode of the server side of the loopback TCP connection to ``client_port``."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if (int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == client_port):
            return inode
    raise AssertionError(f"no server socket for client port {client_port}")


def answering_worker(client: Client, workers: list[int]) -> int:
    """Which worker process holds (so answered) ``client``'s open connection."""
    target = f"socket:[{_socket_inode(client.port, client.local_port())}]"
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if fd.readlink().as_posix() == target:
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds {target}")
