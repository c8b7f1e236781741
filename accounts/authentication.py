"""Authenticate from the access-token cookie.

One class serves REST views and WebSocket handshakes alike: the consumer layer
builds a DRF request from the handshake and runs the same authenticators.
"""

from django.conf import settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import AuthUser, JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.tokens import is_revoked

# The WWW-Authenticate challenge that makes DRF answer 401 (not 403) to a
# missing or bad cookie; browsers do not know the scheme, so no login dialog.
COOKIE_CHALLENGE = 'Cookie realm="api"'


class JWTCookieAuthentication(JWTAuthentication):
    """simplejwt's authentication, reading the token from the HttpOnly cookie.

    Browsers attach cookies to cross-site requests, so a cookie that
    authenticates gets the same CSRF check as Django's session cookie (DRF's
    own check; safe methods and WebSocket handshakes, which are GETs, pass).
    """

    def authenticate(self, request: Request) -> tuple[AuthUser, Token] | None:
        raw_token = request.COOKIES.get(settings.AUTH_COOKIE_ACCESS)
        if not raw_token:
            return None
        validated_token = self.get_validated_token(raw_token.encode())
        user = self.get_user(validated_token)
        assert isinstance(user, User)  # simplejwt reads AUTH_USER_MODEL
        if is_revoked(validated_token, user):
            raise InvalidToken("Token is revoked: log in again.")
        SessionAuthentication().enforce_csrf(request)
        # simplejwt types the user as a constrained TypeVar; ours is a real user.
        return user, validated_token  # type: ignore[return-value]

    def authenticate_header(self, request: Request) -> str:
        return COOKIE_CHALLENGE
