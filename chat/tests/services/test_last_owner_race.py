"""The last-owner rule under concurrency: owners demoting each other at the same
moment, each in its own transaction and database connection, never leave a chat
without an owner. On PostgreSQL (the CI run with DATABASE_URL) the transactions
really overlap; the chat's row lock makes the second wait for the first."""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, close_old_connections, connection

from accounts.factories.user import UserFactory
from chat import services
from chat.models import ChatMember, GroupChat

Role = ChatMember.Role
ROUNDS = 12
# How a demotion may be refused: the rule's own error, or the actor's (they were
# demoted first, so may no longer demote); on SQLite, which has no row locks and
# refuses a second writer at once ("database table is locked"), that too.
REFUSALS: tuple[type[Exception], ...] = (services.LastOwnerError, PermissionDenied) + (
    (OperationalError,) if connection.vendor == "sqlite" else ()
)
DEADLINE_SECONDS = 30


def at_once(actions: list[Callable[[], None]]) -> list[BaseException | None]:
    """Run ``actions`` in threads released together; each one's exception or None."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[BaseException | None] = [None] * len(actions)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=DEADLINE_SECONDS)
            actions[index]()
        except BaseException as exc:  # reported to the test
            outcomes[index] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS)
        assert not thread.is_alive(), "a demotion did not finish within the deadline"
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner() -> None:
    for _ in range(ROUNDS):
        alice, bob = UserFactory.create(), UserFactory.create()
        chat = services.create_group_chat(creator=alice, name="Race")
        services.add_member(group_chat=chat, actor=alice, user=bob, role=Role.OWNER)
        a, b = (ChatMember.objects.get(group_chat=chat, user=user) for user in (alice, bob))

        def demote(membership: ChatMember, actor_pk: int) -> Callable[[], None]:
            def action() -> None:
                fresh = ChatMember.objects.select_related("group_chat").get(pk=membership.pk)
                actor = fresh.group_chat.members.get(user_id=actor_pk).user
                services.change_role(membership=fresh, actor=actor, role=Role.MEMBER)

            return action

        outcomes = at_once([demote(a, bob.pk), demote(b, alice.pk)])

        refused = [exc for exc in outcomes if exc is not None]
        assert all(isinstance(exc, REFUSALS) for exc in refused), refused
        owners = ChatMember.objects.filter(group_chat=chat, role=Role.OWNER).count()
        assert owners >= 1, f"no owner left after {outcomes}"
        assert owners == 2 - outcomes.count(None)  # each demotion that went through
        assert GroupChat.objects.filter(pk=chat.pk).exists()
