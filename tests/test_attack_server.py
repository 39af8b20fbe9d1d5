"""Issue 15, a safe preview server: `cxsite serve` answers only its own address (no DNS rebinding),
bounds its threads, and never serves what a symlink points to outside the site.

The server runs as `python -m cxsite serve --port 0` in a child process; the
tests read the address it prints and talk to it over TCP.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from attack_support import POSIX, copy_sample, cxsite_env, kill_group, start_cxsite, threads_of, write_tree

IDLE_CONNECTIONS = 150
THREAD_BOUND = 100  # well below one thread per idle connection


@dataclass(frozen=True)
class Server:
    """A running `cxsite serve`: its process, host and port."""

    process: subprocess.Popen
    host: str
    port: int

    def get(self, path: str = "/", host: str | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
        """GET a path with a Host header (the server's own address by default): status and body."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.putrequest("GET", path, skip_host=True)
            connection.putheader("Host", host or f"{self.host}:{self.port}")
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _start(root: Path) -> Iterator[Server]:
    """Start `cxsite serve` on a free port; stop it (and whatever it started) afterwards."""
    process = start_cxsite(
        "serve", "--root", root, "--port", "0", env=cxsite_env(PYTHONUNBUFFERED="1"), stderr=subprocess.STDOUT
    )
    try:
        printed = _read_until(process, "正在预览", 60)
        match = re.search(r"http://([\d.]+|\[[0-9a-f:]+\]):(\d+)/", printed)
        assert match, f"serve printed no address:\n{printed}"
        yield Server(process, match.group(1).strip("[]"), int(match.group(2)))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT if POSIX else signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        kill_group(process)
        process.wait()


def _read_until(process: subprocess.Popen, needle: str, timeout: float) -> str:
    """Read a child's output until it holds `needle` or the time is up."""
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline, seen = time.monotonic() + timeout, b""
    try:
        while time.monotonic() < deadline and needle.encode() not in seen:
            if selector.select(timeout=0.2):
                chunk = process.stdout.read1(4096)
                if not chunk:
                    break
                seen += chunk
    finally:
        selector.close()
    return seen.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """`cxsite serve` on a copy of the sample site."""
    root = copy_sample(tmp_path_factory.mktemp("serve") / "site")
    yield from _start(root)


def test_serve_answers_its_own_address_and_localhost(server):
    assert server.get("/")[0] == 200
    assert server.get("/", host=f"localhost:{server.port}")[0] == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "attacker.test:80",
        "{ip}.nip.io:{port}",
    ],
    ids=["foreign-name", "foreign-name-and-port", "own-ip-as-prefix", "foreign-port-80", "rebinding-dns"],
)
def test_serve_refuses_a_foreign_host_header(server, host):
    """DNS rebinding: a page on another site whose name now points at 127.0.0.1 must not read the preview."""
    status, body = server.get("/", host=host.format(port=server.port, ip=server.host))
    assert status in (400, 403, 421), f"Host: {host} was answered with {status}"
    assert b"<html" not in body.lower() or "示例林场".encode() not in body, "the site's page was sent anyway"


def _open_idle(server: Server, count: int) -> list[socket.socket]:
    """Open up to `count` connections that send nothing; stop when the server no longer takes them."""
    idle, failures = [], 0
    while len(idle) < count and failures < 3:
        try:
            idle.append(socket.create_connection((server.host, server.port), timeout=5.0))
            failures = 0
        except OSError:  # a bounded server may stop accepting: that is allowed
            failures += 1
    return idle


@pytest.mark.skipif(sys.platform != "linux", reason="counts threads in /proc")
def test_serve_bounds_its_threads_and_still_answers(server):
    idle = []
    try:
        idle = _open_idle(server, IDLE_CONNECTIONS)
        time.sleep(1.0)
        threads = threads_of(server.process.pid)
        status, _ = server.get("/", timeout=15)
        assert status in (200, 503), f"with {len(idle)} idle connections a request got {status}"
        assert threads <= THREAD_BOUND, (
            f"{threads} threads for {len(idle)} idle connections: one thread per connection, no bound"
        )
    finally:
        for sock in idle:
            sock.close()
    assert server.get("/")[0] == 200, "the server does not answer after the idle connections closed"


@pytest.mark.skipif(not POSIX, reason="symlinks need privileges on Windows")
def test_serve_never_follows_a_symlink_out_of_the_site(tmp_path):
    root = copy_sample(tmp_path / "site")
    secret = "预览不可泄露的文件XQSERVE\n"
    outside = write_tree(tmp_path / "outside", {"secret.txt": secret})
    (root / "static" / "secret.txt").symlink_to(outside / "secret.txt")
    if Path("/etc/passwd").is_file():
        (root / "static" / "passwd").symlink_to("/etc/passwd")
    for server in _start(root):
        for path, marker in (("/secret.txt", secret.encode()), ("/passwd", b"root:")):
            status, body = server.get(path)
            assert not (status == 200 and marker in body), f"serve sent {path}, a symlink out of the site"
