"""Log a communicator in as a user without building cookies by hand.

Works with session authentication (channels' ``AuthMiddlewareStack``): Django's test client
logs the user in, and its session cookie goes into the handshake. Projects that
authenticate WebSockets otherwise (JWT cookies, tokens) build their own headers.
"""

from typing import TYPE_CHECKING, Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from chanx_testing.protocol import Headers

if TYPE_CHECKING:  # a model module; the pytest plugin imports this before Django is set up
    from django.contrib.auth.base_user import AbstractBaseUser


def force_login_headers(user: "AbstractBaseUser", backend: str | None = None) -> Headers:
    """A ``cookie`` header whose session is logged in as ``user`` (touches the database)."""
    client = Client()
    # Django's stubs expect the configured user model, which this app cannot name.
    client.force_login(cast(Any, user), backend)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    return [(b"cookie", f"{session.key}={session.value}".encode())]


async def aforce_login_headers(user: "AbstractBaseUser", backend: str | None = None) -> Headers:
    """``force_login_headers`` for async tests: the database work runs off the event loop."""
    return await sync_to_async(force_login_headers)(user, backend)
