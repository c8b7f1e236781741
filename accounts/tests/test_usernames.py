"""Usernames are unique as people read them: case and Unicode look-alikes (NFKC, then
case folding) do not make a new name. A sign-up that clashes gets a 400 with a
sentence, never a 500, and writes nothing, even when two sign-ups race."""

# The look-alike letters are what is tested here.
# ruff: noqa: RUF001

from typing import Any
from unittest.mock import patch

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, TransactionTestCase
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User, check_username_free, username_key
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "another-long-passphrase"

ALICE_TAKEN = (
    "The username {} is taken: alice already exists, and names that differ only in upper "
    "and lower case or in look-alike letters count as the same."
)

# (the name held, the one asked for, what the sign-up is told): each asked-for name is
# read as the held one. Fullwidth and mathematical letters are stored as NFKC makes them
# (Django's own normalisation of usernames), which is the held name itself.
LOOK_ALIKES = [
    pytest.param("alice", "Alice", ALICE_TAKEN.format("Alice"), id="capital"),
    pytest.param("alice", "ALICE", ALICE_TAKEN.format("ALICE"), id="upper case"),
    pytest.param("alice", "ａｌｉｃｅ", "The username alice is already taken.", id="fullwidth"),
    pytest.param("alice", "ＡＬＩＣＥ", ALICE_TAKEN.format("ALICE"), id="fullwidth capitals"),
    pytest.param("alice", "𝐚𝐥𝐢𝐜𝐞", "The username alice is already taken.", id="math bold"),
    pytest.param("alice", "𝒶𝓁𝒾𝒸ℯ", "The username alice is already taken.", id="math script"),
    pytest.param("alice", "ᵃˡⁱᶜᵉ", "The username alice is already taken.", id="superscripts"),
    pytest.param("fiona", "ﬁona", "The username fiona is already taken.", id="ligature"),
    pytest.param(
        "strasse",
        "STRAẞE",
        "The username STRAẞE is taken: strasse already exists, and names that differ only "
        "in upper and lower case or in look-alike letters count as the same.",
        id="sharp s",
    ),
    pytest.param("alice", "alice", "The username alice is already taken.", id="the same"),
]


def sign_up(username: str) -> tuple[int, Any]:
    response = APIClient().post(
        reverse("accounts:signup"), {"username": username, "password": PASSWORD}
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(("held", "asked", "told"), LOOK_ALIKES)
def test_a_look_alike_of_a_taken_username_is_refused_as_taken(
    held: str, asked: str, told: str
) -> None:
    UserFactory.create(username=held)

    status, body = sign_up(asked)

    assert (status, body) == (400, {"username": [told]})
    assert list(User.objects.values_list("username", flat=True)) == [held]


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("alicia", id="another name"),
        # Another script's letters that look alike are another name (NFKC keeps them).
        pytest.param("аlice", id="cyrillic a"),
    ],
)
def test_a_name_that_only_resembles_a_taken_one_is_free(username: str) -> None:
    UserFactory.create(username="alice")

    status, body = sign_up(username)

    assert status == 201, body
    assert User.objects.get(username=username).username_key == username_key(username)


def test_a_fullwidth_name_is_stored_as_plain_letters() -> None:
    status, body = sign_up("ｂｏｂ")

    assert (status, body["username"]) == (201, "bob")


def test_a_name_is_checked_as_it_will_be_stored() -> None:
    """A fullwidth hyphen is not one of the characters a username may hold, but NFKC
    makes it one: the name is normalised before the validators see it, as Django's
    forms do."""
    status, body = sign_up("ｍａｒｙ－ａｎｎ")

    assert (status, body["username"]) == (201, "mary-ann")


def test_two_sign_ups_racing_for_one_name_store_one_and_answer_400() -> None:
    """The other sign-up passed the check too (the check is skipped here, as it would
    be between two requests checked at once): the unique key refuses the second
    insert, and it is answered as taken, not 500."""
    UserFactory.create(username="alice")
    # The first check finds the name free; the one after the refused insert is real.
    checks = iter([lambda *args, **kwargs: None, check_username_free])

    with patch(
        "accounts.serializers.check_username_free",
        side_effect=lambda *args, **kwargs: next(checks)(*args, **kwargs),
    ):
        status, body = sign_up("ALICE")

    assert (status, body) == (400, {"username": [ALICE_TAKEN.format("ALICE")]})
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "username",
    [
        pytest.param("ali\u202ece", id="right-to-left override"),
        pytest.param("ali\u2066ce", id="left-to-right isolate"),
        pytest.param("ali\u200fce", id="right-to-left mark"),
    ],
)
def test_a_username_with_a_direction_control_is_refused(username: str) -> None:
    status, body = sign_up(username)

    assert status == 400
    assert body == {
        "username": [
            "Enter a valid username. This value may contain only letters, numbers, and "
            "@/./+/-/_ characters."
        ]
    }
    assert not User.objects.exists()


def test_the_admins_add_user_page_refuses_a_look_alike_and_adds_a_new_name(
    admin_client: Client,
) -> None:
    """The admin's own form compares case only: the model's check answers (not the
    database, with a 500)."""
    UserFactory.create(username="strasse")
    add = reverse("admin:accounts_user_add")
    form = {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"}

    refused = admin_client.post(add, {"username": "STRAẞE", **form})
    added = admin_client.post(add, {"username": "someone", **form})

    assert refused.status_code == 200  # the form again, with the error
    assert refused.context["adminform"].form.errors["username"] == [
        "The username STRAẞE is taken: strasse already exists, and names that differ only "
        "in upper and lower case or in look-alike letters count as the same."
    ]
    assert added.status_code == 302
    assert User.objects.get(username="someone").username_key == "someone"


def test_renaming_a_user_keeps_the_key_in_step() -> None:
    user = UserFactory.create(username="alice")

    user.username = "Alicia"
    user.save(update_fields=["username"])

    assert User.objects.get(pk=user.pk).username_key == "alicia"


class TestMigration(TransactionTestCase):
    """``0002_username_key`` on a database that already has users."""

    before = [("accounts", "0001_initial")]
    after = [("accounts", "0002_username_key")]

    def migrate(self, targets: list[tuple[str, str]]) -> Any:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self) -> None:
        # Back to the latest state for the tests that follow.
        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_existing_users_get_their_keys(self) -> None:
        old = self.migrate(self.before).get_model("accounts", "User")
        old.objects.create(username="Alice")
        old.objects.create(username="bob")

        new = self.migrate(self.after).get_model("accounts", "User")

        assert dict(new.objects.values_list("username", "username_key")) == {
            "Alice": "alice",
            "bob": "bob",
        }

    def test_users_whose_names_clash_stop_it_with_their_names(self) -> None:
        old = self.migrate(self.before).get_model("accounts", "User")
        alice = old.objects.create(username="alice")
        shouting = old.objects.create(username="ALICE")

        with pytest.raises(RuntimeError) as stopped:
            self.migrate(self.after)

        assert f"'alice' (id {alice.pk}), 'ALICE' (id {shouting.pk})" in str(stopped.value)
        assert "Rename all but one" in str(stopped.value)
        # Nothing half-done: the column was not left behind.
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                connection.cursor(), "accounts_user"
            )
        }
        assert "username_key" not in columns
        old.objects.filter(pk=shouting.pk).update(username="alice2")
