"""Tokens and sessions: atomic rotation, reuse revokes, an absolute session end,
revocation by logout, password change and deactivation."""

import time
from collections.abc import Callable

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import tokens
from accounts.models import User
from chat.models import ChatMember
from chat.services.chats import create_group_chat
from tests.support.auth import jwt_cookies
from tests.support.concurrency import at_once
from tests.support.factories import UserFactory
from tests.support.outage import DJANGO_REDIS_CACHE, unreachable_cache
from tests.support.testcase import LoggedInRollbackTestCase

ACCESS, REFRESH = settings.AUTH_COOKIE_ACCESS, settings.AUTH_COOKIE_REFRESH
ME = reverse("accounts:me")


def client_with(cookies: dict[str, str]) -> APIClient:
    client = APIClient()
    client.cookies.load(cookies)
    return client


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_yield_one_new_token() -> None:
    cookies = jwt_cookies(UserFactory.create())
    answers: list[int] = []

    def refresh() -> Callable[[], None]:
        return lambda: answers.append(
            client_with(cookies).post(reverse("accounts:refresh")).status_code
        )

    outcomes = at_once([refresh() for _ in range(8)])
    # SQLite has no row locks and refuses a second writer outright; PostgreSQL waits.
    tolerated = (OperationalError,) if connection.vendor == "sqlite" else ()
    assert all(exc is None or isinstance(exc, tolerated) for exc in outcomes), outcomes
    assert set(answers) <= {204, 401}
    # Never two successors; on PostgreSQL exactly one (SQLite may refuse them all).
    winners = answers.count(204)
    assert winners == 1 or (winners == 0 and tolerated), answers


@pytest.mark.django_db
def test_a_replayed_refresh_token_revokes_the_users_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "REUSE_GRACE_SECONDS", 0)
    stolen = jwt_cookies(UserFactory.create())
    owner = client_with(stolen)
    assert owner.post(reverse("accounts:refresh")).status_code == 204

    assert client_with(stolen).post(reverse("accounts:refresh")).status_code == 401
    # The owner's rotated tokens are revoked too: both parties must log in again.
    assert owner.post(reverse("accounts:refresh")).status_code == 401
    assert owner.get(reverse("accounts:me")).status_code == 401


@pytest.mark.django_db
def test_refresh_never_extends_the_session_past_its_absolute_end() -> None:
    refresh = tokens.start_session(UserFactory.create())
    end = int(time.time()) + 100
    refresh[tokens.SESSION_END_CLAIM] = end
    client = client_with({REFRESH: str(refresh)})
    assert client.post(reverse("accounts:refresh")).status_code == 204
    rotated = tokens.SessionRefreshToken(client.cookies[REFRESH].value)  # type: ignore[arg-type]
    assert rotated["exp"] == end


@pytest.mark.django_db
def test_after_logout_the_old_access_token_opens_nothing() -> None:
    cookies = jwt_cookies(UserFactory.create())
    assert client_with(cookies).post(reverse("accounts:logout")).status_code == 204
    assert client_with({ACCESS: cookies[ACCESS]}).get(reverse("accounts:me")).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_password_change_or_deactivation_revokes_every_token(change: str) -> None:
    user = UserFactory.create()
    cookies = jwt_cookies(user)
    if change == "password":
        user.set_password("a-brand-new-passphrase")
    else:
        user.is_active = False
    user.save()
    assert client_with(cookies).get(reverse("accounts:me")).status_code == 401
    assert client_with(cookies).post(reverse("accounts:refresh")).status_code == 401


@pytest.mark.django_db
def test_revocation_holds_without_a_cache() -> None:
    """Revocations live in the database: with the cache's Redis down (Django's own Redis
    cache, which raises), a logged-in request is answered, a logout still refuses its
    access token, and revoking a user (a replayed refresh token) still refuses theirs.
    Before, the check read the cache, and every authenticated request answered 500."""
    user = UserFactory.create()
    logged_out, other_login = jwt_cookies(user), jwt_cookies(user)
    with override_settings(CACHES=unreachable_cache(DJANGO_REDIS_CACHE)):
        assert client_with(logged_out).get(ME).status_code == 200
        assert client_with(logged_out).post(reverse("accounts:logout")).status_code == 204
        assert client_with({ACCESS: logged_out[ACCESS]}).get(ME).status_code == 401
        assert client_with(other_login).get(ME).status_code == 200

        with transaction.atomic():
            tokens.revoke_user(user.pk, reason="Signed out: a used token was replayed.")

        assert client_with(other_login).get(ME).status_code == 401


@pytest.mark.django_db
def test_a_logout_keeps_the_other_revocations_and_forgets_the_expired_ones() -> None:
    user = UserFactory.create()
    first, second = (tokens.start_session(user).access_token for _ in range(2))
    lapsed = tokens.start_session(user).access_token
    user.revoked_access = {str(lapsed["jti"]): int(time.time()) - 1}
    user.save(update_fields=["revoked_access"])

    tokens.revoke_access(first)
    tokens.revoke_access(second)

    user.refresh_from_db()
    assert user.revoked_access == {
        str(first["jti"]): first["exp"],
        str(second["jti"]): second["exp"],
    }
    assert tokens.is_revoked(first, user)
    assert not tokens.is_revoked(tokens.start_session(user).access_token, user)


class TestSocketsEnd(LoggedInRollbackTestCase):
    async def assert_ended(self, status: int) -> None:
        (*_, ended) = await self.auth_communicator.receive_until_action(
            "authentication", inclusive=True
        )
        assert ended["payload"]["status_code"] == status
        await self.auth_communicator.assert_closed(code=4000 + status)

    async def open_chat_socket(self) -> ChatMember:
        chat = await sync_to_async(create_group_chat)(creator=self.user, name="Ends")
        await self.auth_communicator.connect(ws_path=f"/ws/chat/{chat.pk}/")
        await self.auth_communicator.assert_authenticated_status_ok()
        return await ChatMember.objects.aget(group_chat=chat, user=self.user)

    async def test_a_password_change_closes_the_users_sockets(self) -> None:
        await self.open_chat_socket()
        self.user.set_password("a-brand-new-passphrase")
        await sync_to_async(transaction.atomic(self.user.save))()
        await self.assert_ended(401)

    async def test_deactivation_closes_the_users_sockets(self) -> None:
        await self.open_chat_socket()
        user = await User.objects.aget(pk=self.user.pk)
        user.is_active = False
        await sync_to_async(transaction.atomic(user.save))()  # as the admin saves it
        await self.assert_ended(401)

    async def test_a_membership_deleted_through_the_orm_closes_the_socket(self) -> None:
        membership = await self.open_chat_socket()
        await sync_to_async(transaction.atomic(membership.delete))()  # as the admin does
        await self.assert_ended(403)
