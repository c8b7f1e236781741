"""Credentials for tests: JWT cookies and WebSocket handshake headers.

What a browser would carry after logging in, made without the login round trip:
the API tests' clients, the consumer tests' handshakes and the guide's test base
(``tests.support.testcase``) all build their credentials here.
"""

from collections.abc import Mapping

from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User

Headers = list[tuple[bytes, bytes]]


def jwt_cookies(user: User) -> dict[str, str]:
    """A fresh access/refresh pair for ``user``, keyed by cookie name."""
    refresh = RefreshToken.for_user(user)
    return {
        settings.AUTH_COOKIE_ACCESS: str(refresh.access_token),
        settings.AUTH_COOKIE_REFRESH: str(refresh),
    }


def ws_headers(cookies: Mapping[str, str], *, origin: str | None = None) -> Headers:
    """Handshake headers carrying ``cookies``, from the site's own origin."""
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return [
        (b"cookie", cookie.encode()),
        (b"origin", (origin or settings.SERVER_URL).encode()),
    ]
