"""With the channel layer down (Redis unreachable), every REST write still succeeds:
the change is committed, and telling open sockets about it, which fails, is logged
rather than answered 500. Before, the push after the commit raised out of the view:
a 500 for a change that was made."""

from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import patch

import pytest
from channels.layers import get_channel_layer
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import User
from chanx_testing.transactions import commits_emulated
from chat.models import ChatMember, ChatMessage, GroupChat
from chat.tests.api.conftest import ClientFor
from tests.support.auth import jwt_cookies
from tests.support.factories import DEFAULT_PASSWORD, ChatMessageFactory, UserFactory

pytestmark = pytest.mark.django_db

Write = Callable[[ClientFor, GroupChat, User, User], tuple[int, Callable[[], bool]]]


@pytest.fixture
def layer_down() -> Iterator[None]:
    """Every group send fails; ``on_commit`` callbacks run when the code commits (inside
    the test's transaction), so the pushes after a write are tried."""
    layer: Any = get_channel_layer()
    with (
        commits_emulated(),
        patch.object(
            type(layer), "group_send", side_effect=RedisConnectionError("Redis is down")
        ) as group_send,
    ):
        yield
    assert group_send.await_count >= 1  # the write did try to tell the sockets


def create(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    response = client_for(owner).post(reverse("chat:group-list"), {"name": "New"})
    return response.status_code, lambda: GroupChat.objects.filter(name="New").exists()


def rename(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    url = reverse("chat:group-detail", args=[chat.pk])
    response = client_for(owner).patch(url, {"name": "Renamed"})
    return response.status_code, lambda: GroupChat.objects.get(pk=chat.pk).name == "Renamed"


def delete_chat(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    response = client_for(owner).delete(reverse("chat:group-detail", args=[chat.pk]))
    return response.status_code, lambda: not GroupChat.objects.filter(pk=chat.pk).exists()


def add_member(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    newcomer = UserFactory.create()
    url = reverse("chat:member-list", args=[chat.pk])
    response = client_for(owner).post(url, {"username": newcomer.username})
    return response.status_code, lambda: chat.members.filter(user=newcomer).exists()


def change_role(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    membership = ChatMember.objects.get(group_chat=chat, user=member)
    url = reverse("chat:member-detail", args=[chat.pk, membership.pk])
    response = client_for(owner).patch(url, {"chat_role": "admin"})
    return response.status_code, lambda: ChatMember.objects.get(pk=membership.pk).role == "admin"


def remove_member(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    membership = ChatMember.objects.get(group_chat=chat, user=member)
    url = reverse("chat:member-detail", args=[chat.pk, membership.pk])
    response = client_for(owner).delete(url)
    return response.status_code, lambda: not ChatMember.objects.filter(pk=membership.pk).exists()


def edit_message(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    message = ChatMessageFactory.create(group_chat=chat, sender=member)
    url = reverse("chat:message-detail", args=[chat.pk, message.pk])
    response = client_for(member).patch(url, {"content": "edited"})
    return response.status_code, lambda: ChatMessage.objects.get(pk=message.pk).content == "edited"


def delete_message(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    message = ChatMessageFactory.create(group_chat=chat, sender=member)
    url = reverse("chat:message-detail", args=[chat.pk, message.pk])
    response = client_for(owner).delete(url)
    return response.status_code, lambda: ChatMessage.objects.get(pk=message.pk).deleted_at


def log_out(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    client = client_for(member)
    client.cookies.load(jwt_cookies(member))
    response = client.post(reverse("accounts:logout"))
    return response.status_code, lambda: not client.cookies["jwt_auth_cookie"].value


def change_password(client_for: ClientFor, chat: GroupChat, owner: User, member: User) -> Any:
    new = "a-brand-new-passphrase"
    response = client_for(member).post(
        reverse("accounts:password"), {"old_password": DEFAULT_PASSWORD, "new_password": new}
    )
    return response.status_code, lambda: User.objects.get(pk=member.pk).check_password(new)


@pytest.mark.parametrize(
    "write",
    [
        create,
        rename,
        delete_chat,
        add_member,
        change_role,
        remove_member,
        edit_message,
        delete_message,
        log_out,
        change_password,
    ],
)
def test_a_write_succeeds_while_the_channel_layer_is_down(
    write: Write,
    client_for: ClientFor,
    group_chat: GroupChat,
    owner: User,
    member: User,
    layer_down: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, done = write(client_for, group_chat, owner, member)

    assert 200 <= status < 300
    assert done()
    assert "Redis is down" in caplog.text  # logged, with its reason
