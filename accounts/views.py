"""Log in, refresh, log out and "who am I", with the JWTs kept in HttpOnly cookies.

The token bodies never reach the page's JavaScript: responses carry the user,
the cookies carry the tokens.
"""

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth import logout as end_django_session
from django.contrib.auth.models import update_last_login
from django.middleware.csrf import get_token
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.authentication import COOKIE_CHALLENGE
from accounts.cookies import clear_token_cookies, set_token_cookies
from accounts.models import User
from accounts.serializers import (
    LoginSerializer,
    PasswordChangeSerializer,
    SignUpSerializer,
    UserSerializer,
)
from accounts.throttles import AddressThrottle, UsernameThrottle
from accounts.tokens import revoke_access, rotate, start_session
from config.apidocs.schema import ErrorSerializer
from realtime.groups import end_sessions_after_commit

# How the OpenAPI schema describes these views' cookies and answers.
LOGGED_IN = OpenApiResponse(
    UserSerializer, description="The user; Set-Cookie: a new session's access and refresh tokens."
)
NEW_COOKIES = OpenApiResponse(
    None, description="Set-Cookie: a new access token and the rotated refresh token."
)


def refresh_cookie_parameter(*, required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        name=settings.AUTH_COOKIE_REFRESH,
        location=OpenApiParameter.COOKIE,
        required=required,
        description="The refresh token (HttpOnly, sent only to /api/auth/).",
    )


class TokenCookieView(APIView):
    """Base of the views that read or write the token cookies themselves."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Django's CSRF check on every one of them: refresh and logout act on a cookie
        the browser sends by itself; login and sign-up set the cookies, and a foreign
        page posting a form there would log the visitor into the attacker's account
        (login CSRF). The pages echo the csrftoken cookie in X-CSRFToken; other
        clients get it from ``GET /api/auth/csrf/``.

        It runs before DRF's own steps, the throttles among them: a request refused
        here spends nothing of its address's or its user's budget."""
        SessionAuthentication().enforce_csrf(request)
        super().initial(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str:
        return COOKIE_CHALLENGE

    def throttle_username(self, request: Request) -> str | None:
        """The username a request names (for ``UsernameThrottle``)."""
        data = request.data
        username = data.get("username") if isinstance(data, Mapping) else None
        return username if isinstance(username, str) else None

    def refresh_cookie(self, request: Request) -> str:
        raw = request.COOKIES.get(settings.AUTH_COOKIE_REFRESH)
        if not raw:
            raise NotAuthenticated("No refresh cookie: log in first.")
        return raw


def logged_in(user: User, status_code: int = status.HTTP_200_OK) -> Response:
    """The answer that logs ``user`` in: the user, and a new session's tokens in the cookies."""
    refresh = start_session(user)
    update_last_login(User, user)
    response = Response(UserSerializer(user).data, status=status_code)
    set_token_cookies(response, access=str(refresh.access_token), refresh=str(refresh))
    return response


class LoginView(TokenCookieView):
    """Check the credentials; set the access and refresh cookies."""

    throttle_classes = [AddressThrottle, UsernameThrottle]
    throttle_scope = "login"
    # It computes a password hash: bounded per worker, 503 beyond (accounts/hashing.py).
    hashes_a_password = True

    @extend_schema(request=LoginSerializer, responses={200: LOGGED_IN})
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.user
        assert user is not None  # the authentication rule refused None
        return logged_in(user)


class SignUpView(TokenCookieView):
    """Create an ordinary user and log them in."""

    throttle_classes = [AddressThrottle, UsernameThrottle]
    throttle_scope = "signup"
    # It computes a password hash: bounded per worker, 503 beyond (accounts/hashing.py).
    hashes_a_password = True

    @extend_schema(request=SignUpSerializer, responses={201: LOGGED_IN})
    def post(self, request: Request) -> Response:
        serializer = SignUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return logged_in(serializer.save(), status.HTTP_201_CREATED)


class PasswordChangeView(APIView):
    """Change one's own password (the current one first); this client stays logged in
    with new tokens."""

    hashes_a_password = True

    @extend_schema(request=PasswordChangeSerializer, responses={200: LOGGED_IN})
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return logged_in(serializer.save())


class RefreshView(TokenCookieView):
    """Trade the refresh cookie for a new access token and a rotated refresh token."""

    throttle_classes = [AddressThrottle, UsernameThrottle]
    throttle_scope = "refresh"

    def throttle_username(self, request: Request) -> str | None:
        """The user the refresh cookie names, once its signature is checked (a forged
        one must not spend someone else's budget)."""
        raw = request.COOKIES.get(settings.AUTH_COOKIE_REFRESH)
        try:
            # simplejwt types the raw JWT as a Token.
            payload = token_backend.decode(raw) if raw else {}  # type: ignore[arg-type]
        except TokenBackendError:
            return None
        user_id = payload.get(jwt_settings.USER_ID_CLAIM)
        return None if user_id is None else f"user-id:{user_id}"

    @extend_schema(
        request=None,
        parameters=[refresh_cookie_parameter(required=True)],
        responses={
            204: NEW_COOKIES,
            401: OpenApiResponse(
                ErrorSerializer, "No refresh cookie, or it expired, was used or was revoked."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            refresh = rotate(self.refresh_cookie(request))
        except TokenError as exc:  # expired, malformed, used or revoked
            raise InvalidToken(exc.args[0]) from exc
        response = Response(status=status.HTTP_204_NO_CONTENT)
        set_token_cookies(response, access=str(refresh.access_token), refresh=str(refresh))
        return response


class LogoutView(TokenCookieView):
    """Blacklist the refresh token, refuse the access token, end the Django session,
    close the user's sockets and clear the cookies."""

    @extend_schema(
        request=None,
        parameters=[refresh_cookie_parameter(required=False)],
        responses={204: OpenApiResponse(None, description="Set-Cookie: both cookies cleared.")},
    )
    def post(self, request: Request) -> Response:
        users: set[object] = set()
        raw = request.COOKIES.get(settings.AUTH_COOKIE_REFRESH)
        if raw:
            # An expired or already blacklisted token has nothing left to revoke.
            with suppress(TokenError):
                refresh = RefreshToken(raw)  # type: ignore[arg-type]
                refresh.blacklist()
                users.add(refresh[jwt_settings.USER_ID_CLAIM])
        raw = request.COOKIES.get(settings.AUTH_COOKIE_ACCESS)
        if raw:
            with suppress(TokenError):
                access = AccessToken(raw)  # type: ignore[arg-type]
                revoke_access(access)
                users.add(access[jwt_settings.USER_ID_CLAIM])
        # DRF has set the request's user to anonymous (this view authenticates no one):
        # the session's own user is the one logging out, and user_logged_out ends their
        # sockets (accounts.signals), as for any other way Django's session ends.
        django_request = request._request
        session_user = django_request.user = get_user(django_request)
        end_django_session(django_request)
        # The token user's open sockets were authenticated at connect: end them too.
        for user_pk in users - {session_user.pk}:
            end_sessions_after_commit(
                user_pk=user_pk, status_code=status.HTTP_401_UNAUTHORIZED, reason="Logged out."
            )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_token_cookies(response)
        return response


class CsrfTokenView(APIView):
    """The CSRF token that cookie-authenticated writes must echo in X-CSRFToken
    (also set as the csrftoken cookie), for pages and non-browser clients."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer("CsrfToken", {"csrf_token": serializers.CharField()})
    )
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request._request)})


class MeView(APIView):
    """The user the request is authenticated as."""

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        assert isinstance(request.user, User)  # IsAuthenticated let it through
        return Response(UserSerializer(request.user).data)
