"""Benchmark: one worker holding 10,000 idle authenticated sockets, and one message to all.

    .venv/bin/python -m bench.scale                     # 10,000 sockets (a few minutes)
    .venv/bin/python -m bench.scale --sockets 2000 --messages 3

One worker as ``bin/entrypoint`` starts it (one daphne, production settings, the
default channel layer), on PostgreSQL ``BENCH_SCALE_DB`` (``wtscale``; created fresh,
dropped at the end) and Redis ``BENCH_SCALE_REDIS`` (redis://127.0.0.1:6379)/<--redis-db>
(flushed before and after). ``--sockets`` users in one group chat (the creator through
the app's services, the rest written in bulk: ``tests.support.fanout.create_large_chat``),
each with its own access token and one socket on ``/ws/chat/<pk>/``, opened by the lean
client (``bench/loadgen.py``: several processes, 25 handshakes in flight each). It
prints the time to open them all (each authenticated, its groups joined, told 200), the
worker's CPU for that, its RSS before and after and per socket; then ``--messages``
times one message from one member: the time until every socket has it, and the p50 and
p99 from send to receipt. The open-files limit is raised to its hard limit here, and the
worker inherits it. It asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/scale.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.loadgen import Fleet, Socket, Step  # noqa: E402
from bench.server import cpu_seconds, flushed, machine, stop_on_sigterm  # noqa: E402
from tests.support import processes  # noqa: E402
from tests.support.fanout import create_large_chat  # noqa: E402
from tests.support.live import (  # noqa: E402
    SERVER_URL,
    app_environment,
    recreate_database,
    started_workers,
)
from tests.support.processes import raise_open_files_limit, rss_mib  # noqa: E402

BENCH_DB = os.environ.get("BENCH_SCALE_DB", "wtscale")
BENCH_REDIS = os.environ.get("BENCH_SCALE_REDIS", "redis://127.0.0.1:6379")
CLIENT_PROCESSES = 2
# Generous: opening 10,000 sockets on a busy two-core machine takes minutes.
OPEN_SECONDS = 900.0
DRAIN_SECONDS = 120.0


def run(pid: int, members: list[Socket], messages: int) -> list[str]:
    """Open ``members`` on the worker ``pid``, then say ``messages`` messages to all."""
    sockets = len(members)
    rss_before, cpu_before = rss_mib(pid), cpu_seconds(pid)
    opened = time.perf_counter()
    lines: list[str] = []
    with Fleet(members, 1, CLIENT_PROCESSES, set(), OPEN_SECONDS) as fleet:
        open_seconds = time.perf_counter() - opened
        rss_after, open_cpu = rss_mib(pid), cpu_seconds(pid) - cpu_before
        lines += [
            f"{sockets:,} sockets opened and authenticated in {open_seconds:.1f} s "
            f"({sockets / open_seconds:,.0f}/s; {fleet.reopened} dropped before their answer "
            "and opened again); the worker's CPU for it "
            f"{open_cpu:.1f} s ({open_cpu / sockets * 1e3:.2f} ms a socket)",
            f"worker RSS {rss_before:.0f} MiB before, {rss_after:.0f} MiB with them open: "
            f"{(rss_after - rss_before) * 1024 / sockets:.1f} KiB per socket",
            "| message | delivered | time until every socket has it (ms) | p50 (ms) "
            "| p99 (ms) | worker CPU (ms) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for number in range(1, messages + 1):
            cpu = cpu_seconds(pid)
            step = Step(f"scale{number}", 1, 1.0, 1.0, DRAIN_SECONDS)
            result = fleet.run(step)
            cpu = cpu_seconds(pid) - cpu
            closed = f", {result.closed} sockets closed" if result.closed else ""
            lines.append(
                f"| {number} | {result.delivered:,} of {sockets:,}{closed} "
                f"| {max(result.latencies_ms, default=float('nan')):,.0f} "
                f"| {result.quantile_ms(50):,.0f} | {result.quantile_ms(99):,.0f} "
                f"| {cpu * 1000:,.0f} |"
            )
            print(f"  {lines[-1]}", file=sys.stderr, flush=True)
    return lines


def measure(env: dict[str, str], sockets: int, messages: int, workdir: Path) -> list[str]:
    chat_pk, cookies = create_large_chat(env, sockets, "scale")
    lines = [f"load average before: {os.getloadavg()}"]
    with flushed(env["REDIS_URL"]), started_workers(env, workdir) as start:
        worker = start("scale")
        worker.wait_ready()
        members = [Socket(worker.port, f"/ws/chat/{chat_pk}/", c, SERVER_URL) for c in cookies]
        try:
            lines += run(worker.process.pid, members, messages)
        except RuntimeError:
            print(f"the worker's log:\n{worker.log_tail()}", file=sys.stderr)
            raise
    lines.append(f"load average after: {os.getloadavg()}")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=10_000, help="sockets on the worker")
    parser.add_argument("--messages", type=int, default=3, help="messages to all, one by one")
    parser.add_argument("--redis-db", type=int, default=10, help="Redis database to use (flushed)")
    args = parser.parse_args(argv)
    stop_on_sigterm()
    limit = raise_open_files_limit()
    if limit < args.sockets + 1000:
        parser.error(f"the open-files hard limit ({limit}) is too low for {args.sockets} sockets")
    env = {
        **app_environment(BENCH_DB, f"{BENCH_REDIS}/{args.redis_db}"),
        "CHANNEL_LAYER_PREFIX": "wtscale",
        "JWT_ACCESS_MINUTES": "600",
    }
    started = time.perf_counter()
    try:
        recreate_database(BENCH_DB, create=True)
        processes.manage(env, "migrate", "--verbosity", "0")
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            lines = measure(env, args.sockets, args.messages, Path(tmp))
    finally:
        recreate_database(BENCH_DB, create=False)
    print(f"\nmachine: {machine()}")
    print(
        f"{args.sockets:,} sockets of as many users in one chat, one worker, "
        f"{CLIENT_PROCESSES} client processes; {time.perf_counter() - started:.0f} s in all"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
