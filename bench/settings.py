"""Settings for the benchmark's daphne processes: the project's own settings,
with the per-connection rate limit raised out of the way and, optionally, a
different channel-layer configuration to compare.

``BENCH_LAYER`` (only read when ``REDIS_URL`` is set):
    core         the project's layer as configured (RedisChannelLayer)
    pubsub       RedisPubSubChannelLayer
"""

import os

from config.settings import *  # noqa: F403
from config.settings import REALTIME, REDIS_URL

# A benchmark client sends as fast as the server answers; the token bucket
# would refuse it after the burst. All its sockets are one user's, beyond the cap
# on sockets per user. Everything else about frames stays checked (the frames in
# flight too), and the markers stay off, as in production.
REALTIME = {
    **REALTIME,
    "RATE_PER_SECOND": 1_000_000.0,
    "RATE_BURST": 1_000_000,
    "MAX_SOCKETS_PER_USER": 1_000_000,
}

_layer = os.environ.get("BENCH_LAYER", "core")
if REDIS_URL and _layer == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
elif _layer not in {"core", "pubsub"}:
    raise RuntimeError(f"BENCH_LAYER={_layer!r}: expected core or pubsub")
