"""Benchmark: the attachment upload path, and what it costs the worker's memory.

    .venv/bin/python -m bench.uploads                   # 5 uploads of 20 MB each
    .venv/bin/python -m bench.uploads --megabytes 5 --uploads 3

One daphne process is started on 127.0.0.1 with production settings
(``config.settings``, the container's environment from the live tests) on a fresh
PostgreSQL database holding one user in one chat, its attachments stored in a
temporary folder. This process uploads a text file of ``--megabytes`` MB
(``POST /api/groups/<pk>/attachments/``, multipart, the JWT and CSRF cookies, the body
streamed from a generator in 64 KiB pieces), ``--uploads`` times, one after another,
while a thread samples the daphne process's resident memory every 5 ms. Printed per
upload: the time from the first byte sent to the answer, MB/s, and the worker's peak RSS
above what it held before the first (once warmed up by a small upload: memory a worker
took is kept and reused, so later uploads show what it needs on top of the first);
then the medians, and how many stored files equal what was sent. A worker that held
the body whole in memory would grow by at least the file's size. It asserts nothing.

The database is ``$LIVE_PG_ADMIN_URL``'s server (default
``postgres://postgres@127.0.0.1:5432``), database ``bench_uploads``, created fresh and
dropped at the end; Redis ``redis://127.0.0.1:6379/<--redis-db>`` (or
``$LIVE_CORE_REDIS_URL``). Every wait has a deadline and every process started here is
stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/uploads.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.server import machine, start_daphne  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.live import (  # noqa: E402
    SERVER_URL,
    app_environment,
    recreate_database,
)

BENCH_DB = "bench_uploads"
PIECE = 64 * 1024
BOUNDARY = "bench-boundary-" + secrets.token_hex(8)
UPLOAD_SECONDS = 300.0

FIXTURE_CODE = """
import json
from accounts.models import User
from chat.services.chats import create_group_chat
from rest_framework_simplejwt.tokens import AccessToken
user = User.objects.create_user("bench-uploader")
chat = create_group_chat(creator=user, name="Uploads")
print(json.dumps({"chat": chat.pk, "token": str(AccessToken.for_user(user))}))
"""


class PeakSampler(threading.Thread):
    """The process's highest RSS (MiB) while it runs, sampled every 5 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = processes.rss_mib(pid)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            self.peak = max(self.peak, processes.rss_mib(self.pid))


def multipart(size: int) -> tuple[list[bytes], bytes, int]:
    """(head, one piece of the file, tail) as a browser's form sends one text file of
    ``size`` bytes (a multiple of PIECE), and the body's whole length."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    line = b"All work and no play makes a dull upload.\n"
    piece = (line * (PIECE // len(line) + 1))[:PIECE]
    return [head, tail], piece, len(head) + size + len(tail)


def body(head: bytes, piece: bytes, pieces: int, tail: bytes) -> Iterator[bytes]:
    yield head
    for _ in range(pieces):
        yield piece
    yield tail


def stored_intact(media: Path, size: int) -> int:
    """How many of the stored files of ``size`` bytes hold exactly the file sent."""
    _, piece, _ = multipart(size)
    sent = hashlib.sha256(piece * (size // PIECE)).digest()
    stored = [path for path in media.rglob("*") if path.is_file() and path.stat().st_size == size]
    return sum(hashlib.sha256(path.read_bytes()).digest() == sent for path in stored)


def upload(port: int, chat: int, token: str, size: int) -> tuple[float, int]:
    """One upload; (seconds from the first byte to the answer, HTTP status)."""
    (head, tail), piece, length = multipart(size)
    csrf = secrets.token_hex(16)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=UPLOAD_SECONDS)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(length),
        "Cookie": f"jwt_auth_cookie={token}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Origin": SERVER_URL,
        "Host": "127.0.0.1",
    }
    started = time.perf_counter()
    try:
        connection.request(
            "POST",
            f"/api/groups/{chat}/attachments/",
            body=body(head, piece, size // PIECE, tail),
            headers=headers,
        )
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return time.perf_counter() - started, response.status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=20, help="file size, in MB (10^6)")
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database the app uses")
    args = parser.parse_args(argv)
    size = args.megabytes * 1_000_000 // PIECE * PIECE

    redis_url = os.environ.get("LIVE_CORE_REDIS_URL", f"redis://127.0.0.1:6379/{args.redis_db}")
    rows = []
    before = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as workdir:
        env = {
            **app_environment(BENCH_DB, redis_url),
            "MEDIA_ROOT": str(Path(workdir) / "media"),
            "ATTACHMENT_MAX_BYTES": str(size + 1),
        }
        recreate_database(BENCH_DB, create=True)
        watch = None
        try:
            processes.manage(env, "migrate", "--verbosity", "0")
            data = processes.manage_json(env, FIXTURE_CODE)
            watch, port = start_daphne("config.asgi:application", env, Path(workdir) / "d.log")
            pid = watch.process.pid
            # One small upload first: imports and connections warmed, as in service.
            upload(port, data["chat"], data["token"], PIECE)
            before = processes.rss_mib(pid)
            for _ in range(args.uploads):
                sampler = PeakSampler(pid)
                sampler.start()
                seconds, status = upload(port, data["chat"], data["token"], size)
                sampler.done.set()
                sampler.join()
                rows.append((status, seconds, size / seconds / 1e6, sampler.peak - before))
            intact = stored_intact(Path(workdir) / "media", size)
        finally:
            if watch is not None:
                watch.stop(group=True)
            recreate_database(BENCH_DB, create=False)

    print(f"\nmachine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    print(f"one daphne worker, production settings; a {size / 1e6:.1f} MB text file per upload\n")
    print(f"worker RSS before the first: {before:.1f} MiB")
    print(f"stored files equal to what was sent: {intact} of {len(rows)}\n")
    print("| upload | status | seconds | MB/s | worker peak RSS above that (MiB) |")
    print("| --- | --- | --- | --- | --- |")
    for number, (status, seconds, rate, growth) in enumerate(rows, 1):
        print(f"| {number} | {status} | {seconds:.2f} | {rate:.1f} | {growth:.1f} |")
    print(
        f"| median | | {statistics.median(r[1] for r in rows):.2f} "
        f"| {statistics.median(r[2] for r in rows):.1f} "
        f"| {statistics.median(r[3] for r in rows):.1f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
