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


def realtime_settings() -> RealtimeSettings:
    configured = getattr(settings, "REALTIME", {})
    defaults = RealtimeSettings()
    return RealtimeSettings(
        send_completion=bool(configured.get("SEND_COMPLETION", defaults.send_completion)),
        max_frame_chars=int(configured.get("MAX_FRAME_CHARS", defaults.max_frame_chars)),
    )
