"""The Redis channel layer, with the one fix sharding over several hosts needs.

channels-redis 4.3's ``RedisChannelLayer`` picks a shard for a process-specific
channel (``specific.<process>!<socket>``) by hashing its FULL name when sending
to it, but only the process part (``specific.<process>!``) when the process
receives: with two or more hosts in ``REDIS_URLS`` many such sends (about half, with
two) land on a shard nobody reads, so the readiness probe's round trip would time
out and a socket's own session-expiry event would be lost. Reported upstream as
django/channels#1492. Group sends are not affected: they already hash the process
part. With one host every name maps to it, so this changes nothing there.
"""

from channels_redis.core import RedisChannelLayer


class ShardedRedisChannelLayer(RedisChannelLayer):  # type: ignore[misc]  # untyped base
    def consistent_hash(self, value: str) -> int:
        """The shard of a channel or group; a specific channel's by its process part."""
        process, bang, _ = value.partition("!")
        shard: int = super().consistent_hash(process + bang)
        return shard
