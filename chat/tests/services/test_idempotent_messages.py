"""post_message with a client id: a resend stores nothing new and answers the
original, decided by the unique constraint at the insert; a push that fails leaves
the message saved and says it was not relayed."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from chat.models import ChatMessage, GroupChat
from chat.services.chats import create_group_chat
from chat.services.messages import AlreadySaved, PostedMessage, post_message

pytestmark = pytest.mark.django_db

CLIENT_ID = "3d6f0c1a-8f1e-4d3c-b7a2-5e9c0d4f1a22"
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def post(group_chat: GroupChat, sender: User, content: str, client_id: str | None = None) -> Any:
    return post_message(group_chat=group_chat, sender=sender, content=content, client_id=client_id)


def test_a_retry_stores_one_row_and_answers_the_original(
    group_chat: GroupChat, member: User
) -> None:
    first = post(group_chat, member, "once", CLIENT_ID)

    retry = post(group_chat, member, "once", CLIENT_ID)

    assert (first.created, retry.created) == (True, False)
    assert retry.message.pk == first.message.pk
    assert retry.message.client_id == CLIENT_ID
    assert ChatMessage.objects.count() == 1


def test_a_retry_is_decided_by_the_constraint_not_a_lookup_first(
    group_chat: GroupChat, member: User
) -> None:
    """No check-then-insert: the retry's first statement on the messages table is
    the INSERT, so two racing retries cannot both pass a check; the unique
    constraint refuses one."""
    post(group_chat, member, "once", CLIENT_ID)

    with CaptureQueriesContext(connection) as queries:
        post(group_chat, member, "once", CLIENT_ID)

    on_messages = [q["sql"] for q in queries if '"chat_chatmessage"' in q["sql"]]
    # On PostgreSQL the INSERT comes in one statement with the seq's UPDATE.
    assert 'INSERT INTO "chat_chatmessage"' in on_messages[0]
    assert ChatMessage.objects.count() == 1


def test_the_exception_of_a_resend_carries_what_was_read_and_reads_nothing(
    group_chat: GroupChat, member: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """save_message reads the original and its reactions; AlreadySaved only holds them."""
    original = post(group_chat, member, "once", CLIENT_ID).message
    posted = PostedMessage(message=original, created=False)

    with django_assert_num_queries(0):
        already = AlreadySaved(posted)

    assert already.posted is posted


def test_a_retry_pushes_nothing(
    group_chat: GroupChat, member: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    """The members heard the original (or catch up on it from the history)."""
    post(group_chat, member, "once", CLIENT_ID)

    with django_capture_on_commit_callbacks() as callbacks:
        post(group_chat, member, "once", CLIENT_ID)

    assert callbacks == []


def test_two_client_ids_store_two_rows(group_chat: GroupChat, member: User) -> None:
    first = post(group_chat, member, "same words", "first")
    second = post(group_chat, member, "same words", "second")

    assert second.created
    assert first.message.pk != second.message.pk
    assert ChatMessage.objects.count() == 2


def test_a_client_id_of_another_user_does_not_collide(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    owners = post(group_chat, owner, "mine", CLIENT_ID)
    members = post(group_chat, member, "theirs", CLIENT_ID)

    assert members.created
    assert owners.message.pk != members.message.pk
    assert ChatMessage.objects.count() == 2


def test_messages_without_a_client_id_never_collide(group_chat: GroupChat, member: User) -> None:
    post(group_chat, member, "again")
    post(group_chat, member, "again")

    assert ChatMessage.objects.filter(client_id=None).count() == 2


def test_a_client_id_used_in_another_chat_is_refused(group_chat: GroupChat, owner: User) -> None:
    elsewhere = create_group_chat(creator=owner, name="Elsewhere")
    post(group_chat, owner, "here", CLIENT_ID)

    with pytest.raises(ValidationError) as raised:
        post(elsewhere, owner, "there", CLIENT_ID)

    assert "client_id" in raised.value.message_dict
    assert not ChatMessage.objects.filter(group_chat=elsewhere).exists()


def test_a_saved_message_is_relayed_after_the_commit(
    group_chat: GroupChat, member: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with (
        patch("chat.services.messages.push") as push,
        django_capture_on_commit_callbacks(execute=True),
    ):
        posted = post(group_chat, member, "hello", CLIENT_ID)

    # To the chat's sockets, and to the members' inboxes (``/ws/me/``).
    assert [call.args[1].action for call in push.call_args_list] == [
        "member_message",
        "chat_activity",
    ]
    assert posted.relayed is True


def test_a_saved_message_the_layer_failed_to_relay_is_saved_and_not_relayed(
    group_chat: GroupChat,
    member: User,
    django_capture_on_commit_callbacks: OnCommit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The channel layer raises: post_message does not; the row exists and
    ``relayed`` is False, and the failure is logged (without the content)."""
    with (
        patch("chat.services.messages.push", side_effect=ConnectionError("redis is restarting")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        posted = post(group_chat, member, "secret words", CLIENT_ID)

    assert (posted.created, posted.relayed) == (True, False)
    assert ChatMessage.objects.get().pk == posted.message.pk
    assert "was not relayed" in caplog.text
    assert "secret words" not in caplog.text
