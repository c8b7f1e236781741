"""Session logins for the chanx-style suites, as the testing guide's session example makes
them: bare-project copies this into each chanx variant's app as ``chanxapp/logins.py``."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

ORIGIN = (b"origin", b"http://localhost")


def user_and_headers(name):
    """A user, and headers logging a socket in as them (a client of their own: logging a
    second user in on one client would end the first one's session)."""
    user = User.objects.create_user(name)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    return user, [(b"cookie", f"{session.key}={session.value}".encode()), ORIGIN]


class LoggedIn:
    """A test case mixin: ``self.user`` logged in on the default communicators."""

    def setUp(self):
        self.user, self.ws_headers = self.create_user_and_ws_headers("alice")
        super().setUp()

    def create_user_and_ws_headers(self, name):
        return user_and_headers(name)

    async def acreate_user_and_ws_headers(self, name):
        return await sync_to_async(self.create_user_and_ws_headers)(name)

    def get_ws_headers(self):
        return self.ws_headers

    async def connect_with(self, name):
        """``self.auth_communicator`` and a communicator logged in as a new user ``name``,
        both connected and let in."""
        _, headers = await self.acreate_user_and_ws_headers(name)
        mine, theirs = self.auth_communicator, self.create_communicator(headers=headers)
        for communicator in (mine, theirs):
            await communicator.connect()
            await communicator.assert_authenticated_status_ok()
        return mine, theirs
