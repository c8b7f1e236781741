"""Authentication and permission checks for a WebSocket handshake, done by DRF.

A handshake is an HTTP GET, so it is turned into one and put through DRF's own
machinery (authenticators, permission classes, throttles, ``get_object``):
the rules that protect a REST view protect the socket, with the same codes.
"""

import io
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import Http404
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission

from realtime.settings import realtime_settings

if TYPE_CHECKING:
    # django-stubs' placeholder for the project's user model (AUTH_USER_MODEL) or AnonymousUser.
    from django.contrib.auth.models import _AnyUser


class HandshakePolicy:
    """What a consumer requires of a connection, declared as on a DRF view.

    ``RealtimeConsumer`` inherits it, so a consumer declares these class attributes
    and nothing else; ``check_handshake`` reads them.
    """

    # None keeps DRF's defaults (DEFAULT_AUTHENTICATION_CLASSES and so on).
    authentication_classes: ClassVar[Sequence[type[BaseAuthentication]] | None] = None
    permission_classes: ClassVar[Sequence[type[BasePermission]] | None] = None
    # When set, the object named by the URL route kwargs is looked up (404 if
    # missing) and the permission classes' object checks run against it.
    queryset: ClassVar[QuerySet[Any] | None] = None
    lookup_field: ClassVar[str] = "pk"
    lookup_url_kwarg: ClassVar[str | None] = None


@dataclass(frozen=True)
class HandshakeResult:
    status: HTTPStatus
    user: "_AnyUser"
    # The object the queryset named (a model instance), or None without a queryset.
    obj: Any = None
    detail: Any = None
    # When the credential expires (epoch seconds), if it says: a JWT's ``exp``.
    expires_at: float | None = None


def http_request_from_scope(scope: Mapping[str, Any]) -> ASGIRequest:
    """The handshake as the GET request it is, headers and cookies included."""
    request = ASGIRequest({**scope, "method": "GET"}, io.BytesIO())
    # Set by channels' AuthMiddlewareStack from the session cookie; DRF's
    # SessionAuthentication reads it here as it would from Django's middleware.
    request.user = scope.get("user") or AnonymousUser()
    return request


def check_handshake(policy: HandshakePolicy, scope: Mapping[str, Any]) -> HandshakeResult:
    """Run DRF's authentication, permission and object checks (blocking: call
    it from a worker thread)."""
    view: GenericAPIView[Any] = GenericAPIView(
        queryset=policy.queryset,
        lookup_field=policy.lookup_field,
        lookup_url_kwarg=policy.lookup_url_kwarg,
    )
    if policy.authentication_classes is not None:
        view.authentication_classes = policy.authentication_classes
    if policy.permission_classes is not None:
        view.permission_classes = policy.permission_classes
    view.args = ()
    view.kwargs = dict(scope.get("url_route", {}).get("kwargs", {}))
    view.format_kwarg = None
    request = view.initialize_request(http_request_from_scope(scope))
    view.request = request
    try:
        view.perform_authentication(request)
        view.check_permissions(request)
        view.check_throttles(request)
        obj = view.get_object() if policy.queryset is not None else None
    except APIException as exc:
        return HandshakeResult(HTTPStatus(exc.status_code), request.user, detail=exc.detail)
    except Http404:
        # The words of DRF's NotFound, so a permission that raises it answers the same.
        return HandshakeResult(
            HTTPStatus.NOT_FOUND, request.user, detail=str(NotFound.default_detail)
        )
    return HandshakeResult(
        HTTPStatus.OK,
        request.user,
        obj=obj,
        expires_at=credential_expiry(request.auth, request.user, scope),
    )


def credential_expiry(auth: Any, user: "_AnyUser", scope: Mapping[str, Any]) -> float | None:
    """When the socket's credential runs out: a token's ``exp`` claim (simplejwt's
    ``Token.payload``). A socket let in by Django's session cookie (no token) gets a
    token's lifetime (``REALTIME["SESSION_SOCKET_SECONDS"]``), or the session's own end
    if that comes first: it reconnects then, and the session is checked again."""
    payload = getattr(auth, "payload", None)
    exp = payload.get("exp") if isinstance(payload, dict) else None
    if isinstance(exp, int | float):
        return float(exp)
    if not user.is_authenticated:
        return None
    expires_at = time.time() + realtime_settings().session_socket_seconds
    session = scope.get("session")
    if session is not None:
        expires_at = min(expires_at, session.get_expiry_date().timestamp())
    return expires_at
