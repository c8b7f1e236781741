"""Who is online in a chat, and who is typing: ephemeral, never in the database.

Presence lives in Django's cache (Redis when ``REDIS_URL`` is set, so every worker
process sees it; locmem otherwise): one key per member of a chat, holding each of their
sockets in it that said ``here``, with the time it lapses (``PRESENCE_TTL`` after the
socket last said it). A member is online while any of their sockets has not lapsed, so
closing one of two tabs leaves them online. The page says ``here`` when its socket opens
and every 20 s; a socket that closes takes itself out. A socket whose worker died never
closes cleanly: it lapses, and its member drops out once their last socket has.

Each change rewrites the member's key (read, change, write): the changes of one worker
take turns on a lock per key; two workers changing one member's key at the same instant
can lose one change, which lasts until that socket lapses or says ``here`` again.

The others hear of a member coming online or going offline (``presence``) at most
``PRESENCE_CHANGES`` times per member per ``PRESENCE_WINDOW`` of the clock, however many
sockets the member opens and closes: beyond that a change is not announced, and the
others' pages learn the member's state from their own next ``here`` (``online_members``,
at most 20 s later).

Typing is not stored: a ``typing`` is relayed at most once per member per second of the
clock (``TYPING_INTERVAL``), whichever of their sockets it comes from, and the receiving
pages show it for ``TYPING_SECONDS``, so a typist whose worker died disappears by itself.
"""

import asyncio
import time
import weakref
from collections.abc import Iterable

from django.core.cache import cache

# How long a socket keeps its member online after it last said ``here``.
PRESENCE_TTL = 45.0
# How long a page shows "X is typing…" after a ``member_typing``.
TYPING_SECONDS = 5.0
# A member's ``typing`` is relayed at most once in each of these (seconds of the clock).
TYPING_INTERVAL = 1.0
# A member's coming online or going offline is announced at most PRESENCE_CHANGES times
# in each PRESENCE_WINDOW (seconds of the clock).
PRESENCE_CHANGES = 3
PRESENCE_WINDOW = 10.0

# One lock per member's key in this process, while someone uses it.
_locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def clock() -> float:
    """Now, in seconds since the epoch (the tests move it)."""
    return time.time()


def presence_key(group_chat_id: int, user_id: int) -> str:
    return f"presence:{group_chat_id}:{user_id}"


def _lock(key: str) -> asyncio.Lock:
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = asyncio.Lock()
    return lock


async def _live_sockets(key: str, now: float) -> dict[str, float]:
    """The member's sockets that have not lapsed, each with when it lapses."""
    found = await cache.aget(key)
    if not isinstance(found, dict):
        return {}
    return {channel: lapses for channel, lapses in found.items() if lapses > now}


async def mark_online(group_chat_id: int, user_id: int, channel: str) -> bool:
    """Keep the member's socket ``channel`` online for ``PRESENCE_TTL`` more; True when
    the member had no socket online before (they came online)."""
    key = presence_key(group_chat_id, user_id)
    async with _lock(key):
        now = clock()
        sockets = await _live_sockets(key, now)
        came_online = not sockets
        sockets[channel] = now + PRESENCE_TTL
        await cache.aset(key, sockets, timeout=PRESENCE_TTL)
    return came_online


async def mark_offline(group_chat_id: int, user_id: int, channel: str) -> bool:
    """Take the member's socket ``channel`` out; True when the member has no socket
    online left (they went offline)."""
    key = presence_key(group_chat_id, user_id)
    async with _lock(key):
        sockets = await _live_sockets(key, clock())
        sockets.pop(channel, None)
        if sockets:
            await cache.aset(key, sockets, timeout=PRESENCE_TTL)
        else:
            await cache.adelete(key)
    return not sockets


async def online_user_ids(group_chat_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` online in the chat now."""
    keys = {presence_key(group_chat_id, user_id): user_id for user_id in user_ids}
    found = await cache.aget_many(list(keys))
    now = clock()
    return {
        keys[key]
        for key, sockets in found.items()
        if isinstance(sockets, dict) and any(lapses > now for lapses in sockets.values())
    }


async def _counted(key: str, limit: int, window: float) -> bool:
    """One more in the current ``window`` of the clock under ``key``; whether it is
    within ``limit``. Atomic in the cache (``add``, then ``incr``), so every socket of a
    member, on every worker, counts against the same budget."""
    bucket = f"{key}:{int(clock() // window)}"
    # Kept a window longer than its own, so a late socket still finds it.
    await cache.aadd(bucket, 0, timeout=2 * window)
    try:
        count = await cache.aincr(bucket)
    except ValueError:  # it lapsed between the two calls: the window is over anyway
        return False
    return count <= limit


async def may_relay_typing(group_chat_id: int, user_id: int) -> bool:
    """Whether this ``typing`` of the member is the first in this ``TYPING_INTERVAL``."""
    return await _counted(f"typing:{group_chat_id}:{user_id}", 1, TYPING_INTERVAL)


async def may_announce(group_chat_id: int, user_id: int) -> bool:
    """Whether a change of the member's presence may be announced now (at most
    ``PRESENCE_CHANGES`` in this ``PRESENCE_WINDOW``)."""
    return await _counted(
        f"presence-changes:{group_chat_id}:{user_id}", PRESENCE_CHANGES, PRESENCE_WINDOW
    )
