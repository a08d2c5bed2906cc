"""Take turns at a host across threads, processes and machines: at most N requests in flight, a pause between them.

Airflow runs a source's fetch batches as separate task instances, possibly on different workers,
and two sources may share a host (the demo portal serves both). A limit kept in one process's
memory would let each of them hit the host at full speed, so the limit lives where every worker
sees it:

- ``FileLimiter`` (the default): lock files on the shared data volume. A host has one lock file
  per concurrent slot (``flock``: released by the kernel when a process dies, so a crashed worker
  never keeps a slot) and a *gate* file holding the wall-clock time of the next allowed request.
  It needs no service, and the pipeline already requires a volume every worker shares (the raw
  archive that fetch writes and clean reads). Caveats: ``flock`` must work on that volume (local
  disks, NFSv4 on Linux; not SMB), and the workers' clocks must agree (NTP) to the delay's scale.
- ``RedisLimiter`` (when ``TINHUY_REDIS_URL`` is set): the same two ideas as Lua scripts, with the
  Redis server's clock (no skew between workers) and leases that expire (a slot held by a worker
  that vanished comes back after ``lease_s``). Deployments that already run Redis as the Celery
  broker can point this at another database number.

A turn: take a free slot, reserve the next start time (``max(now, gate)``) and push the gate one
delay further (requests start at least ``delay_s`` apart), wait until the reserved time, make the
request, then push the gate to ``end + delay_s`` (with one slot, the pause follows the end of the
previous request, as robots.txt's Crawl-delay intends). ``defer`` pushes the gate for everyone:
a 429 or 503 with Retry-After holds every worker back, not only the one that was told.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from etl import settings

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]


class HostBusy(Exception):
    """A host cannot be asked within the longest wait allowed; ``wait_s`` is how long it would take."""

    def __init__(self, host: str, wait_s: float):
        super().__init__(f"{host} is not to be asked for another {wait_s:.0f} s")
        self.host = host
        self.wait_s = wait_s


class HostLimiter(Protocol):
    def turn(
        self, host: str, *, concurrency: int, delay_s: float, sleep: Sleep | None = None
    ) -> contextlib.AbstractContextManager[None]: ...

    def defer(self, host: str, seconds: float) -> None: ...


def _safe(host: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", host.lower()) or "_"


@dataclass
class FileLimiter:
    """Per-host slots and gate as lock files in ``directory`` (see the module docstring)."""

    directory: Path
    max_wait_s: float = field(default_factory=lambda: settings.HOST_WAIT_TIMEOUT_S)
    # How often a worker looks for a free slot while all are taken.
    poll_s: float = 0.05

    @contextlib.contextmanager
    def turn(self, host: str, *, concurrency: int, delay_s: float, sleep: Sleep | None = None) -> Iterator[None]:
        sleep = sleep or time.sleep
        self.directory.mkdir(parents=True, exist_ok=True)
        slot = self._slot(host, max(1, concurrency))
        try:
            start = self._update(host, lambda gate, now: max(gate, now) + delay_s, reserve=True)
            pause = start - time.time()
            if pause > self.max_wait_s:
                raise HostBusy(host, pause)
            if pause > 0:
                sleep(pause)
            yield
        finally:
            try:
                self._update(host, lambda gate, now: max(gate, now + delay_s))
            finally:
                fcntl.flock(slot, fcntl.LOCK_UN)
                os.close(slot)

    def defer(self, host: str, seconds: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._update(host, lambda gate, now: max(gate, now + seconds))

    def _slot(self, host: str, concurrency: int) -> int:
        """A file descriptor holding an exclusive lock on one of the host's slot files."""
        deadline = time.monotonic() + self.max_wait_s
        paths = [self.directory / f"{_safe(host)}.slot{i}" for i in range(concurrency)]
        while True:
            for path in paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    os.close(fd)
            if time.monotonic() > deadline:
                raise HostBusy(host, self.max_wait_s)
            time.sleep(self.poll_s)

    def _update(self, host: str, change: Callable[[float, float], float], *, reserve: bool = False) -> float:
        """Set the gate to ``change(gate, now)``; return the new gate, or with ``reserve`` the start it leaves.

        With ``reserve`` the caller's request starts at ``max(gate, now)`` and the gate moves past it.
        """
        path = self.directory / f"{_safe(host)}.gate"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            try:
                gate = float(raw) if raw else 0.0
            except ValueError:
                gate = 0.0
            now = time.time()
            new = change(gate, now)
            data = f"{new:.6f}".encode("ascii")
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            return max(gate, now) if reserve else new
        finally:
            os.close(fd)  # closing the descriptor releases the flock


# Lua, so that each step is atomic on the Redis server and timed by its clock.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 'busy'
end
local gate = tonumber(redis.call('GET', KEYS[2]) or '0')
local start = math.max(gate, now)
redis.call('SET', KEYS[2], string.format('%.6f', start + tonumber(ARGV[4])), 'EX', 86400)
redis.call('ZADD', KEYS[1], start + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], 86400)
return string.format('%.6f', start - now)
"""
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREM', KEYS[1], ARGV[1])
local gate = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('SET', KEYS[2], string.format('%.6f', math.max(gate, now + tonumber(ARGV[2]))), 'EX', 86400)
return 1
"""


@dataclass
class RedisLimiter:
    """Per-host slots (a sorted set of leases) and gate (a time) in Redis (see the module docstring)."""

    url: str
    prefix: str = "tinhuy:host:"
    max_wait_s: float = field(default_factory=lambda: settings.HOST_WAIT_TIMEOUT_S)
    # A slot not given back within this long (its worker died) is free again.
    lease_s: float = field(default_factory=lambda: settings.CONNECT_TIMEOUT_S + settings.READ_TIMEOUT_S + 30.0)
    poll_s: float = 0.05

    def __post_init__(self) -> None:
        import redis

        self._redis = redis.Redis.from_url(self.url, socket_timeout=10)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)

    def _keys(self, host: str) -> list[str]:
        return [f"{self.prefix}{host.lower()}:slots", f"{self.prefix}{host.lower()}:gate"]

    @contextlib.contextmanager
    def turn(self, host: str, *, concurrency: int, delay_s: float, sleep: Sleep | None = None) -> Iterator[None]:
        sleep = sleep or time.sleep
        keys, token = self._keys(host), uuid.uuid4().hex
        deadline = time.monotonic() + self.max_wait_s
        while True:
            answer = self._acquire(keys=keys, args=[token, max(1, concurrency), self.lease_s, delay_s])
            answer = answer.decode() if isinstance(answer, bytes) else str(answer)
            if answer != "busy":
                break
            if time.monotonic() > deadline:
                raise HostBusy(host, self.max_wait_s)
            time.sleep(self.poll_s)
        try:
            pause = float(answer)
            if pause > self.max_wait_s:
                raise HostBusy(host, pause)
            if pause > 0:
                sleep(pause)
            yield
        finally:
            self._release(keys=keys, args=[token, delay_s])

    def defer(self, host: str, seconds: float) -> None:
        self._release(keys=self._keys(host), args=["", seconds])

    def close(self) -> None:
        self._redis.close()


def default_limiter() -> HostLimiter:
    """Redis when ``TINHUY_REDIS_URL`` is set, else lock files under ``TINHUY_HOSTS_DIR`` (default DATA_DIR/hosts)."""
    if settings.REDIS_URL:
        return RedisLimiter(settings.REDIS_URL)
    return FileLimiter(Path(settings.HOSTS_DIR) if settings.HOSTS_DIR else settings.DATA_DIR / "hosts")
