"""pytest fixtures of the chat tests: a group chat with one user per role,
built through the services as the app builds it."""

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from accounts.models import User
from chat.models import ChatMember, GroupChat
from chat.services.chats import create_group_chat
from chat.services.members import add_member
from tests.support.factories import UserFactory

Role = ChatMember.Role


@pytest.fixture
def owner() -> User:
    return UserFactory.create()


@pytest.fixture
def group_chat(owner: User) -> GroupChat:
    return create_group_chat(creator=owner, name="Team")


@pytest.fixture
def admin(group_chat: GroupChat, owner: User) -> User:
    user = UserFactory.create()
    add_member(group_chat=group_chat, actor=owner, user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def member(group_chat: GroupChat, owner: User) -> User:
    user = UserFactory.create()
    add_member(group_chat=group_chat, actor=owner, user=user)
    return user


@pytest.fixture
def outsider() -> User:
    """Logged in, but not a member of ``group_chat``."""
    return UserFactory.create()


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Attachments are stored in the test's own folder, never in the work tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)
