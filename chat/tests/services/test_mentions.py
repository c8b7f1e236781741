"""Mentions (``chat.services.mentions``): who a message names, stored as the user; the
mention count that follows the read position; what is refused without writing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from chat import selectors
from chat.messages.chat_detail import MemberPayload, mentions_of
from chat.models import ChatMessage, GroupChat, Mention
from chat.services.members import add_member
from chat.services.messages import delete_message, edit_message, save_message
from chat.services.read_positions import store_read_positions
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def mentioned(message: ChatMessage) -> list[tuple[int, str]]:
    return list(Mention.objects.filter(message=message).values_list("user_id", "handle"))


def mention_count(user: User, group_chat: GroupChat) -> int:
    return selectors.group_chat_overview(user).get(pk=group_chat.pk).mention_count


def test_a_members_name_after_an_at_mentions_them(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    said = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username}, lunch?")

    assert mentioned(said) == [(member.pk, member.username)]


def on_mentions(queries: CaptureQueriesContext) -> list[str]:
    """The statements of ``queries`` on the mentions table, each by its first word."""
    return [q["sql"].split()[0] for q in queries if '"chat_mention"' in q["sql"]]


def test_the_stored_mentions_are_not_read_back(
    group_chat: GroupChat,
    owner: User,
    member: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """Saving a message writes its mentions (one INSERT) and nothing reads them again:
    the message has them, with their users, for its payload."""
    with CaptureQueriesContext(connection) as queries:
        said = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} hi")

    assert on_mentions(queries) == ["INSERT"]
    with django_assert_num_queries(0):
        assert [(m.user.username, m.handle) for m in mentions_of(said)] == [
            (member.username, member.username)
        ]


def test_names_are_matched_as_usernames_compare_and_end_before_punctuation(
    group_chat: GroupChat, owner: User
) -> None:
    """Case and fullwidth letters do not matter (``username_key``); a sentence's full
    stop is not part of the name."""
    ann = UserFactory.create(username="Ann")
    add_member(group_chat=group_chat, actor=owner, user=ann)

    fullwidth = "\uff21\uff2e\uff2e"  # "ANN" in fullwidth letters
    said = save_message(group_chat=group_chat, sender=owner, content=f"thanks @{fullwidth}.")

    assert mentioned(said) == [(ann.pk, fullwidth)]


def test_an_email_address_and_a_bare_at_name_nobody(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    said = save_message(
        group_chat=group_chat, sender=owner, content=f"mail {member.username}@example.com @ 5"
    )

    assert mentioned(said) == []


def test_each_member_once_and_never_the_sender(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    said = save_message(
        group_chat=group_chat,
        sender=owner,
        content=f"@{member.username} @{owner.username} @{member.username}",
    )

    assert mentioned(said) == [(member.pk, member.username)]


def test_mentioning_a_non_member_does_nothing(
    group_chat: GroupChat, owner: User, outsider: User
) -> None:
    """By name or by id: the message is saved, nobody is mentioned, the outsider's
    counts know nothing of it."""
    said = save_message(
        group_chat=group_chat,
        sender=owner,
        content=f"hi @{outsider.username}",
        mentions=[outsider.pk],
    )

    assert mentioned(said) == []
    assert not Mention.objects.exists()


def test_mentioning_a_missing_user_by_id_is_refused_and_saves_nothing(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    missing = User.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1

    with pytest.raises(ValidationError) as raised:
        save_message(
            group_chat=group_chat,
            sender=owner,
            content=f"@{member.username}",
            mentions=[member.pk, missing],
        )

    assert raised.value.message_dict == {"mentions": [f"No user with id {missing} to mention."]}
    assert not ChatMessage.objects.exists()
    assert not Mention.objects.exists()


def test_a_members_id_without_their_name_in_the_text_is_refused(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    with pytest.raises(ValidationError) as raised:
        save_message(group_chat=group_chat, sender=owner, content="see above", mentions=[member.pk])

    assert raised.value.message_dict == {
        "mentions": [
            f"The text does not name @{member.username}: write the name of each member you mention."
        ]
    }
    assert not ChatMessage.objects.exists()


def test_a_rename_changes_how_the_mention_reads_not_whom_it_names(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    """The mention is the user: renamed, they keep it, and someone who takes the old
    name gets nothing."""
    old_name = member.username
    said = save_message(group_chat=group_chat, sender=owner, content=f"@{old_name} hi")
    member.username = "renamed"
    member.save()
    newcomer = UserFactory.create(username=old_name)
    add_member(group_chat=group_chat, actor=owner, user=newcomer)

    message = ChatMessage.objects.prefetch_related("mentions__user").get(pk=said.pk)
    (mention,) = MemberPayload.from_message(message).mentions
    assert (mention.user.id, mention.user.username, mention.handle) == (
        member.pk,
        "renamed",
        old_name,
    )
    assert mention_count(newcomer, group_chat) == 0


def test_a_deleted_account_takes_its_mentions_with_it(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    said = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} hi")

    member.delete()

    assert mentioned(said) == []
    assert ChatMessage.objects.filter(pk=said.pk).exists()


def test_the_mention_count_is_of_unread_mentions_of_live_messages(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    """Mentions after the read position count; reading past them, or their message
    being deleted, takes them off."""
    first = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} one")
    save_message(group_chat=group_chat, sender=owner, content="no mention")
    third = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} three")
    assert mention_count(member, group_chat) == 2
    assert mention_count(owner, group_chat) == 0

    store_read_positions(group_chat_id=group_chat.pk, positions={member.pk: first.seq})
    assert mention_count(member, group_chat) == 1

    delete_message(group_chat=group_chat, message_id=third.pk, actor=owner)
    assert mention_count(member, group_chat) == 0
    assert mentioned(third) == []


def test_an_edit_replaces_the_mentions(
    group_chat: GroupChat, owner: User, member: User, admin: User
) -> None:
    said = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} hi")

    edited = edit_message(
        group_chat=group_chat,
        message_id=said.pk,
        actor=owner,
        content=f"@{admin.username} hi",
        mentions=[admin.pk],
    )

    assert mentioned(said) == [(admin.pk, admin.username)]
    assert [m.user.id for m in MemberPayload.from_message(edited).mentions] == [admin.pk]


@pytest.mark.parametrize(
    ("before", "after", "statements"),
    [
        ("hi", "hello", []),
        ("hi", "hello @{name}", ["INSERT"]),
        ("hi @{name}", "hello", ["DELETE"]),
        ("hi @{name}", "hello @{name}", ["DELETE", "INSERT"]),
    ],
)
def test_an_edit_touches_the_mentions_only_when_a_text_has_an_at(
    group_chat: GroupChat,
    owner: User,
    member: User,
    before: str,
    after: str,
    statements: list[str],
) -> None:
    """A text without an "@" names nobody: an edit from one to another leaves the
    mentions alone, and one from such a text has none to take away."""
    said = save_message(
        group_chat=group_chat, sender=owner, content=before.format(name=member.username)
    )

    with CaptureQueriesContext(connection) as queries:
        edit_message(
            group_chat=group_chat,
            message_id=said.pk,
            actor=owner,
            content=after.format(name=member.username),
        )

    assert on_mentions(queries) == statements
    assert mentioned(said) == ([(member.pk, member.username)] if "@" in after else [])


def test_a_refused_edit_keeps_the_old_text_and_mentions(
    group_chat: GroupChat, owner: User, member: User
) -> None:
    said = save_message(group_chat=group_chat, sender=owner, content=f"@{member.username} hi")
    missing = User.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1

    with pytest.raises(ValidationError):
        edit_message(
            group_chat=group_chat,
            message_id=said.pk,
            actor=owner,
            content="changed",
            mentions=[missing],
        )

    assert ChatMessage.objects.get(pk=said.pk).content == f"@{member.username} hi"
    assert mentioned(said) == [(member.pk, member.username)]
