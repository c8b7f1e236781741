"""An invite link's limit under concurrency: users joining through its last uses at the
same moment, each in its own transaction and database connection, never get in more
times than it allows. On PostgreSQL (the CI run with DATABASE_URL) the joins really
overlap; the conditional UPDATE that counts a use makes the database decide."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import OperationalError, connection

from accounts.models import User
from chat.models import ChatMember, InviteLink
from chat.services import invites
from chat.services.chats import create_group_chat
from tests.support.concurrency import at_once
from tests.support.factories import UserFactory

ROUNDS = 8
JOINERS = 4
LIMIT = 2
# How a join may be refused: the link used up; on SQLite, which has no row locks and
# refuses a second writer at once ("database table is locked"), that too.
REFUSALS: tuple[type[Exception], ...] = (invites.InviteUnusable,) + (
    (OperationalError,) if connection.vendor == "sqlite" else ()
)


def joining(token: str, user: User) -> Callable[[], None]:
    def action() -> None:
        invites.join_by_invite(token=token, user=user)

    return action


@pytest.mark.django_db(transaction=True)
def test_users_joining_at_once_never_pass_the_limit() -> None:
    for _ in range(ROUNDS):
        owner = UserFactory.create()
        chat = create_group_chat(creator=owner, name="Race")
        link = invites.create_invite_link(
            group_chat=chat, actor=owner, expires_in=timedelta(hours=1), max_uses=LIMIT
        )
        users = UserFactory.create_batch(JOINERS)

        outcomes = at_once([joining(link.token, user) for user in users])

        refused = [exc for exc in outcomes if exc is not None]
        assert all(isinstance(exc, REFUSALS) for exc in refused), refused
        joined = ChatMember.objects.filter(group_chat=chat).exclude(user=owner).count()
        assert joined == outcomes.count(None) <= LIMIT, outcomes
        assert InviteLink.objects.get(pk=link.pk).uses == joined
        if connection.vendor == "postgresql":  # every join waited its turn: the limit is met
            assert joined == LIMIT, outcomes
