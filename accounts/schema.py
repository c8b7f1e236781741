"""How the OpenAPI schema (drf-spectacular) describes the access-token cookie.

drf-spectacular's own description of simplejwt's authentication (a bearer token in the
Authorization header) would match ours as its subclass: this one, more specific, wins.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


# drf-spectacular registers extensions in an untyped __init_subclass__.
class JWTCookieScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "accounts.authentication.JWTCookieAuthentication"
    name = "jwtCookie"
    priority = 1

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.AUTH_COOKIE_ACCESS,
            "description": (
                "The access token (a JWT) in an HttpOnly cookie, set by login, sign-up and "
                "refresh. Writes must also send the X-CSRFToken header."
            ),
        }
