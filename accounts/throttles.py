"""Throttles on the endpoints that check a password or a refresh token.

DRF's own throttles, counted in Django's cache (the Redis cache when ``REDIS_URL`` is
set, so every worker process shares the counts; local memory otherwise). Each view
names its ``throttle_scope``; ``settings.AUTH_THROTTLE_RATES["<scope>.address"]`` and
``["<scope>.username"]`` are its limits, read on each request. A refusal is logged with
the client's address.

The client address is REMOTE_ADDR: the connection's peer, or, behind a proxy listed in
``TRUSTED_PROXIES``, the client that proxy names in X-Forwarded-For (``config.asgi``).
"""

import hashlib
import logging
from typing import Any, ClassVar, Protocol, runtime_checkable

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


@runtime_checkable
class ThrottledView(Protocol):
    throttle_scope: str

    def throttle_username(self, request: Request) -> str | None:
        """The account a request names, if any."""


class AuthThrottle(SimpleRateThrottle):
    """A throttle whose rate is ``AUTH_THROTTLE_RATES[f"{view.throttle_scope}.{kind}"]``."""

    kind: ClassVar[str]

    def __init__(self) -> None:
        # The rate depends on the view: set in allow_request, not from DRF's settings.
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = f"{view.throttle_scope}.{self.kind}"
        self.rate = settings.AUTH_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if super().allow_request(request, view):
            return True
        logger.warning(
            "Throttled %s (%s) for client %s", self.scope, self.rate, self.get_ident(request)
        )
        return False

    def cache_key_for(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressThrottle(AuthThrottle):
    """Per client address (DRF's ``get_ident``: REMOTE_ADDR, as ``NUM_PROXIES`` is 0)."""

    kind = "address"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_key_for(self.get_ident(request))


class UsernameThrottle(AuthThrottle):
    """Per account named, whichever addresses the attempts come from."""

    kind = "username"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        assert isinstance(view, ThrottledView)  # the views that use it say how
        username = view.throttle_username(request)
        if not username:
            return None
        # Case variants share a count; hashed, so any text makes a short cache key.
        return self.cache_key_for(hashlib.sha256(username.casefold().encode()).hexdigest())
