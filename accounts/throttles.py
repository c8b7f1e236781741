"""Throttles on the endpoints that check a password or a refresh token.

DRF's own throttles, counted in Django's cache (the Redis cache when ``REDIS_URL`` is
set, so every worker process shares the counts; local memory otherwise). Each view
names its ``throttle_scope``; ``settings.AUTH_THROTTLE_RATES["<scope>.address"]`` and
``["<scope>.username"]`` are its limits, read on each request.
"""

import hashlib
from typing import Any, ClassVar, Protocol, runtime_checkable

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


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
        return super().allow_request(request, view)

    def cache_key_for(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressThrottle(AuthThrottle):
    """Per client address: REMOTE_ADDR, or the address NUM_PROXIES proxies saw (DRF's
    ``get_ident``; with NUM_PROXIES 0 a client's own X-Forwarded-For is ignored)."""

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
