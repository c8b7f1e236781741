"""The last-owner rule under concurrency: owners demoting each other at the same
moment, each in its own transaction and database connection, never leave a chat
without an owner. On PostgreSQL (the CI run with DATABASE_URL) the transactions
really overlap; the chat's row lock makes the second wait for the first."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection

from chat.models import ChatMember, GroupChat
from chat.services.chats import create_group_chat
from chat.services.members import LastOwnerError, add_member, change_role
from tests.support.concurrency import at_once
from tests.support.factories import UserFactory

Role = ChatMember.Role
ROUNDS = 12
# How a demotion may be refused: the rule's own error, or the actor's (they were
# demoted first, so may no longer demote); on SQLite, which has no row locks and
# refuses a second writer at once ("database table is locked"), that too.
REFUSALS: tuple[type[Exception], ...] = (LastOwnerError, PermissionDenied) + (
    (OperationalError,) if connection.vendor == "sqlite" else ()
)


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner() -> None:
    for _ in range(ROUNDS):
        alice, bob = UserFactory.create(), UserFactory.create()
        chat = create_group_chat(creator=alice, name="Race")
        add_member(group_chat=chat, actor=alice, user=bob, role=Role.OWNER)
        a, b = (ChatMember.objects.get(group_chat=chat, user=user) for user in (alice, bob))

        def demote(membership: ChatMember, actor_pk: int) -> Callable[[], None]:
            def action() -> None:
                fresh = ChatMember.objects.select_related("group_chat").get(pk=membership.pk)
                actor = fresh.group_chat.members.get(user_id=actor_pk).user
                change_role(membership=fresh, actor=actor, role=Role.MEMBER)

            return action

        outcomes = at_once([demote(a, bob.pk), demote(b, alice.pk)])

        refused = [exc for exc in outcomes if exc is not None]
        assert all(isinstance(exc, REFUSALS) for exc in refused), refused
        owners = ChatMember.objects.filter(group_chat=chat, role=Role.OWNER).count()
        assert owners >= 1, f"no owner left after {outcomes}"
        assert owners == 2 - outcomes.count(None)  # each demotion that went through
        assert GroupChat.objects.filter(pk=chat.pk).exists()
