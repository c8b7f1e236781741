"""API clients logged in by JWT cookie (the group and its users: chat/tests/conftest.py)."""

from collections.abc import Callable

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import ChatMember, GroupChat
from tests.support.auth import jwt_cookies

Role = ChatMember.Role
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
def member_url(group_chat: GroupChat) -> Callable[[User], str]:
    """The URL of ``user``'s membership of ``group_chat``."""

    def url(user: User) -> str:
        membership = ChatMember.objects.get(group_chat=group_chat, user=user)
        return reverse("chat:member-detail", args=[group_chat.pk, membership.pk])

    return url
