"""Who is online in a chat, and who is typing: ephemeral, never in the database.

Presence lives in Django's cache (Redis when ``REDIS_URL`` is set, so every worker
process sees it; locmem otherwise): one key per member of a chat, holding the time it
lapses, ``PRESENCE_TTL`` after the member's page last said ``here``. The page says it
when its socket opens and every 20 s; a socket that closes deletes the key. A socket
whose worker died never closes cleanly: its member drops out once the key lapses.

Typing is not stored at all: each ``typing`` frame is relayed, and the receiving pages
show it for ``TYPING_SECONDS``, so a typist whose worker died disappears by itself.
"""

import time
from collections.abc import Iterable

from django.core.cache import cache

# How long a member stays online after their page last said ``here``.
PRESENCE_TTL = 45.0
# How long a page shows "X is typing…" after a ``member_typing``.
TYPING_SECONDS = 5.0
# A socket's ``typing`` is relayed at most once per this many seconds.
TYPING_INTERVAL = 1.0


def clock() -> float:
    """Now, in seconds since the epoch (the tests move it)."""
    return time.time()


def presence_key(group_chat_id: int, user_id: int) -> str:
    return f"presence:{group_chat_id}:{user_id}"


async def mark_online(group_chat_id: int, user_id: int) -> bool:
    """Keep the member online for ``PRESENCE_TTL`` more; True when they were not
    online before."""
    key = presence_key(group_chat_id, user_id)
    now = clock()
    lapses = await cache.aget(key)
    await cache.aset(key, now + PRESENCE_TTL, timeout=PRESENCE_TTL)
    return not (isinstance(lapses, float) and lapses > now)


async def mark_offline(group_chat_id: int, user_id: int) -> None:
    await cache.adelete(presence_key(group_chat_id, user_id))


async def online_user_ids(group_chat_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` online in the chat now."""
    keys = {presence_key(group_chat_id, user_id): user_id for user_id in user_ids}
    found = await cache.aget_many(list(keys))
    now = clock()
    return {keys[key] for key, lapses in found.items() if lapses > now}
