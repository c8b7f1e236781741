"""Joining, leaving and keeping a socket's channel-layer groups.

channels-redis's core layer keeps each group as a sorted set in Redis: a member (a
socket's channel name) stays until it is discarded, or until the layer's
``group_expiry`` has passed since it last joined (checked whenever a message is sent to
the group). A member left behind costs every later message to the group: it is still
sent to the member's worker, whose one queue in Redis fills with messages nobody
reads, until the layer drops messages for the whole worker ("over capacity"). So:

- calls are bounded: at most ``GROUP_CALLS_AT_ONCE`` per worker at once
  (``realtime.rate_limit.group_call_slots``). Sockets that close together queue here,
  instead of each taking a connection from the layer's pool at once, which runs it
  out (redis-py's ``MaxConnectionsError``) and fails the calls;
- leaving is retried, ``LEAVE_ATTEMPTS`` tries with a growing pause between them;
- a socket joins its groups again every ``refresh_interval`` (a third of the layer's
  ``group_expiry``): a live member never lapses, and a member whose leave never reached
  Redis (its worker was killed, every try failed, Redis was away) lapses within
  ``group_expiry`` (``CHANNEL_LAYER_GROUP_EXPIRY``). After a Redis restart, which forgets
  every group, the live sockets join theirs again as soon as the layer says it reached
  Redis again (``reconnected()``, the project's layer: ``config.channel_layers``), not
  only at their next refresh.
"""

import asyncio
import contextlib
from typing import Any

from realtime.rate_limit import group_call_slots

# How many times a socket tries to leave a group before it gives up (and leaves it to
# the group's expiry), and the pause after the first failure (doubled after each).
LEAVE_ATTEMPTS = 4
LEAVE_RETRY_SECONDS = 0.1
# How often a socket joins its groups again, as a share of the layer's group expiry.
REFRESHES_PER_EXPIRY = 3


async def join(layer: Any, group: str, channel: str, *, at_once: int) -> None:
    """Add ``channel`` to ``group`` (again, for a refresh), waiting for a free slot."""
    async with group_call_slots(at_once):
        await layer.group_add(group, channel)


async def leave(layer: Any, group: str, channel: str, *, at_once: int) -> None:
    """Discard ``channel`` from ``group``, trying again after a failure; the last
    failure is raised."""
    pause = LEAVE_RETRY_SECONDS
    for attempt in range(1, LEAVE_ATTEMPTS + 1):
        try:
            async with group_call_slots(at_once):
                await layer.group_discard(group, channel)
        except Exception:
            if attempt == LEAVE_ATTEMPTS:
                raise
        else:
            return
        await asyncio.sleep(pause)
        pause *= 2


def refresh_interval(layer: Any) -> float | None:
    """How often a socket should join its groups again on ``layer``: None when its
    groups never lapse (no ``group_expiry``: the pub/sub layer's live in its process)."""
    expiry = getattr(layer, "group_expiry", None)
    return None if not expiry else expiry / REFRESHES_PER_EXPIRY


async def next_refresh(layer: Any, interval: float) -> None:
    """Return when a socket should join its groups again: after ``interval``, or
    sooner if the layer reaches Redis again after an outage."""
    reconnected = getattr(layer, "reconnected", None)
    if reconnected is None:
        await asyncio.sleep(interval)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(reconnected().wait(), interval)
