"""The consumer layer's settings, read from ``settings.REALTIME`` with defaults.

Read on each connection (not at import) so that ``override_settings`` works.
"""

from dataclasses import dataclass

from django.conf import settings

# The most bytes one character takes in UTF-8: a frame of N characters is at most
# 4 * N bytes on the wire (see ``max_frame_bytes``).
UTF8_MAX_BYTES_PER_CHAR = 4


@dataclass(frozen=True)
class RealtimeSettings:
    # Send ``complete`` after each handled message and ``group_complete`` after
    # each relayed group message: what test harnesses wait for. Off in production.
    send_completion: bool = False
    # Largest text frame accepted, in characters; bigger frames get an error. The
    # default fits the largest message of the chat (4,000 characters, JSON-escaped)
    # and refuses a frame padded far beyond it.
    max_frame_chars: int = 32 * 1024
    # Per-connection rate limit (a token bucket), counted when a frame arrives: on
    # average ``rate_per_second`` frames, bursts of up to ``rate_burst``. Frames over
    # it get an error; after ``max_violations`` of those the socket is closed (4429).
    rate_per_second: float = 10.0
    rate_burst: int = 30
    max_violations: int = 20
    # Frames a socket may have received but not yet handled; one more and it is
    # closed (an error, then 4429). Bounds what one socket can queue in the worker.
    max_in_flight: int = 8
    # Open sockets per user in one worker process; one more is refused at connect
    # (``authentication`` 429, close 4429).
    max_sockets_per_user: int = 10
    # Handshakes whose checks (authentication, permissions: database work) run at once
    # in a worker; the others wait their turn. Sockets that reconnect together (a
    # flood closed 4429 at once, a restarted worker's clients) would otherwise hold
    # every other socket's frames while their checks share the interpreter's lock.
    handshakes_at_once: int = 2
    # Calls joining or leaving channel-layer groups made at once in a worker; the others
    # wait their turn (realtime.membership). Sockets closing together each leave their
    # groups: one call each at once would run the layer's connection pool out.
    group_calls_at_once: int = 50
    # Threads a worker process runs consumers' database work on (realtime.database);
    # 0: channels' single thread-sensitive thread.
    database_threads: int = 0
    # How long a socket let in by Django's session cookie (no token to say) stays open
    # before it must reconnect: as long as an access token lives, by default.
    session_socket_seconds: float = 15 * 60

    @property
    def max_frame_bytes(self) -> int:
        """The most bytes a frame the layer accepts can take on the wire: what the
        server (daphne's ``--websocket_max_message_size``) should refuse beyond."""
        return self.max_frame_chars * UTF8_MAX_BYTES_PER_CHAR


def realtime_settings() -> RealtimeSettings:
    configured = getattr(settings, "REALTIME", {})
    defaults = RealtimeSettings()
    return RealtimeSettings(
        send_completion=bool(configured.get("SEND_COMPLETION", defaults.send_completion)),
        max_frame_chars=int(configured.get("MAX_FRAME_CHARS", defaults.max_frame_chars)),
        rate_per_second=float(configured.get("RATE_PER_SECOND", defaults.rate_per_second)),
        rate_burst=int(configured.get("RATE_BURST", defaults.rate_burst)),
        max_violations=int(configured.get("MAX_VIOLATIONS", defaults.max_violations)),
        max_in_flight=int(configured.get("MAX_IN_FLIGHT", defaults.max_in_flight)),
        max_sockets_per_user=int(
            configured.get("MAX_SOCKETS_PER_USER", defaults.max_sockets_per_user)
        ),
        handshakes_at_once=int(configured.get("HANDSHAKES_AT_ONCE", defaults.handshakes_at_once)),
        group_calls_at_once=int(
            configured.get("GROUP_CALLS_AT_ONCE", defaults.group_calls_at_once)
        ),
        database_threads=int(configured.get("DATABASE_THREADS", defaults.database_threads)),
        session_socket_seconds=float(
            configured.get("SESSION_SOCKET_SECONDS", defaults.session_socket_seconds)
        ),
    )
