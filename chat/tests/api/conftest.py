"""A group chat with one user per role, and clients logged in by JWT cookie."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.factories.user import UserFactory
from accounts.models import User
from accounts.testing import jwt_cookies
from chat import services
from chat.models import ChatMember, GroupChat

Role = ChatMember.ChatMemberRole
ClientFor = Callable[[User], APIClient]


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> ClientFor:
    """An API client carrying ``user``'s access cookie: the real auth path."""

    def make(user: User) -> APIClient:
        client = APIClient()
        for name, value in jwt_cookies(user).items():
            client.cookies[name] = value
        return client

    return make


@pytest.fixture
def owner() -> User:
    return UserFactory.create()


@pytest.fixture
def group_chat(owner: User) -> GroupChat:
    return services.create_group_chat(creator=owner, name="Team")


def _join(group_chat: GroupChat, role: str) -> User:
    user = UserFactory.create()
    ChatMember.objects.create(group_chat=group_chat, user=user, chat_role=role)
    return user


@pytest.fixture
def admin(group_chat: GroupChat) -> User:
    return _join(group_chat, Role.ADMIN)


@pytest.fixture
def member(group_chat: GroupChat) -> User:
    return _join(group_chat, Role.MEMBER)


@pytest.fixture
def outsider() -> User:
    """Logged in, but not a member of ``group_chat``."""
    return UserFactory.create()


@pytest.fixture
def member_url(group_chat: GroupChat) -> Callable[[User], str]:
    """The URL of ``user``'s membership of ``group_chat``."""

    def url(user: User) -> str:
        membership = ChatMember.objects.get(group_chat=group_chat, user=user)
        return reverse("chat:member-detail", args=[group_chat.pk, membership.pk])

    return url
