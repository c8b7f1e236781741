"""The consumer layer's settings, read from ``settings.REALTIME`` with defaults.

Read on each connection (not at import) so that ``override_settings`` works.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RealtimeSettings:
    # Send ``complete`` after each handled message and ``group_complete`` after
    # each relayed group message: what test harnesses wait for. Off in production.
    send_completion: bool = False
    # Largest text frame accepted, in characters; bigger frames get an error.
    max_frame_chars: int = 64 * 1024
    # Per-connection rate limit (a token bucket): on average ``rate_per_second``
    # frames, bursts of up to ``rate_burst``. Frames over it get an error; after
    # ``max_violations`` of those the socket is closed (4429).
    rate_per_second: float = 10.0
    rate_burst: int = 30
    max_violations: int = 20


def realtime_settings() -> RealtimeSettings:
    configured = getattr(settings, "REALTIME", {})
    defaults = RealtimeSettings()
    return RealtimeSettings(
        send_completion=bool(configured.get("SEND_COMPLETION", defaults.send_completion)),
        max_frame_chars=int(configured.get("MAX_FRAME_CHARS", defaults.max_frame_chars)),
        rate_per_second=float(configured.get("RATE_PER_SECOND", defaults.rate_per_second)),
        rate_burst=int(configured.get("RATE_BURST", defaults.rate_burst)),
        max_violations=int(configured.get("MAX_VIOLATIONS", defaults.max_violations)),
    )
