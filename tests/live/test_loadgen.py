"""The fan-out bench's lean client counts what arrives, and only that.

``bench.fanout`` compares servers by what ``bench/loadgen.py`` counts: every message
to every socket, latencies from its send time. Against the fan-out ceiling
(``bench/ceiling.py``, started for real), a short step must count each message on
every socket, across several client processes; and a socket the server closes must be
reported, not counted as delivered.
"""

import os
import signal
from pathlib import Path

import pytest

from bench.compare import ceiling
from bench.loadgen import Fleet, Step

pytestmark = pytest.mark.live

MEMBERS = 12
SENDERS = 3


def test_every_message_is_counted_on_every_socket(tmp_path: Path) -> None:
    with ceiling(MEMBERS, tmp_path) as served, Fleet(served.sockets, SENDERS, 2, set()) as fleet:
        result = fleet.run(Step("count", SENDERS, rate=10, seconds=1.0))
    assert result.sent == SENDERS * 10
    assert result.closed == 0, result.errors
    assert result.missed_messages == 0, f"{result.delivered} of {result.sent * MEMBERS}"
    assert set(result.receipts.values()) == {MEMBERS}
    assert len(result.latencies_ms) == result.sent * MEMBERS
    assert all(latency > 0 for latency in result.latencies_ms)
    assert result.client_cpu_s > 0


def test_a_server_gone_is_a_loss_not_a_delivery(tmp_path: Path) -> None:
    with ceiling(MEMBERS, tmp_path) as served, Fleet(served.sockets, SENDERS, 2, set()) as fleet:
        os.kill(served.pids[0], signal.SIGKILL)
        result = fleet.run(Step("gone", SENDERS, rate=5, seconds=0.5, drain_seconds=1.0))
    assert result.closed == MEMBERS, result.errors
    assert result.delivered == 0
    assert not result.complete
