"""Authentication and permission checks for a WebSocket handshake, done by DRF.

A handshake is an HTTP GET, so it is turned into one and put through DRF's own
machinery (authenticators, permission classes, throttles, ``get_object``):
the rules that protect a REST view protect the socket, with the same codes.
"""

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission


@dataclass(frozen=True)
class HandshakePolicy:
    """What a consumer requires of a connection, in DRF's terms."""

    # None keeps DRF's defaults (DEFAULT_AUTHENTICATION_CLASSES and so on).
    authentication_classes: Sequence[type[BaseAuthentication]] | None = None
    permission_classes: Sequence[type[BasePermission]] | None = None
    # When set, the object named by the URL route kwargs is looked up (404 if
    # missing) and the permission classes' object checks run against it.
    queryset: QuerySet[Any] | None = None
    lookup_field: str = "pk"
    lookup_url_kwarg: str | None = None


@dataclass(frozen=True)
class HandshakeResult:
    status_code: int
    user: AbstractBaseUser | AnonymousUser
    obj: Model | None = None
    detail: Any = None
    # When the credential expires (epoch seconds), if it says: a JWT's ``exp``.
    expires_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code == HTTPStatus.OK


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
        return HandshakeResult(exc.status_code, request.user, detail=exc.detail)
    except Http404:
        return HandshakeResult(HTTPStatus.NOT_FOUND, request.user, detail="Not found.")
    return HandshakeResult(
        HTTPStatus.OK, request.user, obj=obj, expires_at=credential_expiry(request.auth)
    )


def credential_expiry(auth: Any) -> float | None:
    """The ``exp`` claim of a token credential (simplejwt's ``Token.payload``)."""
    payload = getattr(auth, "payload", None)
    exp = payload.get("exp") if isinstance(payload, dict) else None
    return float(exp) if isinstance(exp, int | float) else None
