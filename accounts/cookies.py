"""Setting and clearing the JWT cookies, so every view does it the same way."""

from typing import Any, Final

from django.conf import settings
from django.http import HttpResponseBase
from rest_framework_simplejwt.settings import api_settings as jwt_settings

# Lax: sent on top-level navigation to the site, never on cross-site
# sub-requests (images, forms posted from elsewhere, fetches).
SAMESITE: Final = "Lax"


def _cookie_options() -> dict[str, Any]:
    return {
        "httponly": True,
        "secure": settings.AUTH_COOKIE_SECURE,
        "samesite": SAMESITE,
    }


def set_token_cookies(response: HttpResponseBase, *, access: str, refresh: str | None) -> None:
    """Store the tokens as HttpOnly cookies that live as long as the tokens do."""
    response.set_cookie(
        settings.AUTH_COOKIE_ACCESS,
        access,
        max_age=int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        path="/",
        **_cookie_options(),
    )
    if refresh is not None:
        response.set_cookie(
            settings.AUTH_COOKIE_REFRESH,
            refresh,
            max_age=int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds()),
            path=settings.AUTH_COOKIE_REFRESH_PATH,
            **_cookie_options(),
        )


def clear_token_cookies(response: HttpResponseBase) -> None:
    response.delete_cookie(settings.AUTH_COOKIE_ACCESS, path="/", samesite=SAMESITE)
    response.delete_cookie(
        settings.AUTH_COOKIE_REFRESH,
        path=settings.AUTH_COOKIE_REFRESH_PATH,
        samesite=SAMESITE,
    )
