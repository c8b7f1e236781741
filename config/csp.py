"""A Content-Security-Policy header on every response.

The pages load one stylesheet and one script module from our own origin and
have no inline script, style or event handler, so the policy allows nothing
else. The group chat's WebSocket origins are named in ``connect-src``
because ``'self'`` does not cover ws:/wss: URLs in every browser.
"""

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

HEADER = "Content-Security-Policy"


def websocket_sources(origins: Iterable[str]) -> list[str]:
    """``http(s)://host[:port]`` -> ``ws(s)://host[:port]`` for each allowed origin."""
    sources = []
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme in {"http", "https"} and parts.netloc:
            scheme = "wss" if parts.scheme == "https" else "ws"
            sources.append(f"{scheme}://{parts.netloc}")
    return sources


def build_policy() -> str:
    connect_src = ["'self'", *websocket_sources(settings.WEBSOCKET_ALLOWED_ORIGINS)]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": connect_src,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Place it before WhiteNoise so that static files get the header too.
    A view that needs another policy sets the header itself; it is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        super().__init__(get_response)
        self.policy = build_policy()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response.headers.setdefault(HEADER, self.policy)
        return response
