"""Password hashes are bounded per worker process (accounts/hashing.py): at most
PASSWORD_HASHES_AT_ONCE at once, and a request that waits longer than
PASSWORD_HASH_WAIT_SECONDS for a slot is answered 503 with Retry-After, having written
nothing. (The suite hashes with MD5 for speed; these tests put the production hashers
back.)"""

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.db import connections
from django.test import override_settings
from django.urls import reverse
from django.utils.crypto import pbkdf2
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.hashing import BoundedPBKDF2PasswordHasher, PasswordHashingBusy, hashing_slots
from accounts.models import User
from config import settings as production

SLOTS = 2
# Production's hasher list (before the bound, Django's own).
PRODUCTION_HASHERS = getattr(production, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
WAIT_SECONDS = 0.2
DEADLINE_SECONDS = 20.0


class QuickBoundedHasher(BoundedPBKDF2PasswordHasher):
    """The bounded hasher with few rounds: what is tested is the bound, not PBKDF2."""

    iterations = 1000


@pytest.fixture
def bounded() -> Iterator[None]:
    with override_settings(
        PASSWORD_HASHERS=["accounts.tests.test_hashing.QuickBoundedHasher"],
        PASSWORD_HASHES_AT_ONCE=SLOTS,
        PASSWORD_HASH_WAIT_SECONDS=WAIT_SECONDS,
    ):
        yield


def log_in(username: str, password: str) -> Response:
    response: Response = APIClient().post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    return response


def assert_busy(response: Response) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "1"
    assert "busy checking other passwords" in json.loads(response.content)["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_logins_hashes_at_most_the_slots_at_once_and_refuses_the_rest() -> None:
    """Six logins at once, each naming a user that does not exist (Django hashes the
    password anyway, so that timing tells nothing): two hash, held inside the hash
    until the others are answered; the four others get 503 after the wait."""
    gate = threading.Condition()
    release = threading.Event()
    state = {"hashing": 0, "most": 0}
    statuses: Counter[int] = Counter()

    def held_pbkdf2(*args: object, **kwargs: object) -> bytes:
        with gate:
            state["hashing"] += 1
            state["most"] = max(state["most"], state["hashing"])
            gate.notify_all()
        release.wait(DEADLINE_SECONDS)
        with gate:
            state["hashing"] -= 1
        return pbkdf2("x", "salt", 1)

    def attempt() -> None:
        try:
            status = log_in(f"nobody-{uuid.uuid4().hex}", "wrong").status_code
        finally:
            connections.close_all()  # this thread's own
        with gate:
            statuses[status] += 1
            gate.notify_all()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    with (
        override_settings(
            PASSWORD_HASHERS=PRODUCTION_HASHERS,
            PASSWORD_HASHES_AT_ONCE=SLOTS,
            PASSWORD_HASH_WAIT_SECONDS=WAIT_SECONDS,
        ),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr("django.contrib.auth.hashers.pbkdf2", held_pbkdf2)
        try:
            for thread in threads:
                thread.start()
            with gate:
                settled = gate.wait_for(
                    lambda: state["most"] > SLOTS or statuses.total() == 4, DEADLINE_SECONDS
                )
                seen = dict(state), dict(statuses)
        finally:
            release.set()
            for thread in threads:
                thread.join(DEADLINE_SECONDS)
    assert settled, f"within {DEADLINE_SECONDS} s: hashing/answers {seen}"
    assert state["most"] == SLOTS, f"{state['most']} hashes at once (answers so far: {seen})"
    assert statuses == Counter({503: 4, 401: 2})


@pytest.mark.django_db(transaction=True)
def test_a_request_waiting_for_a_slot_gives_its_database_connection_back(
    bounded: None,
) -> None:
    """Requests queued for a slot must not sit on the pool's connections meanwhile: the
    other requests would wait for the pool instead (an in-memory SQLite database cannot
    really be closed, so what is checked is that Django is told to close it)."""
    closed: list[bool] = []
    outcome: list[BaseException] = []

    def waiting_request() -> None:
        try:
            database = connections["default"]
            User.objects.exists()  # the request has used the database, as a login has
            real_close = database.close

            def close() -> None:
                closed.append(database.connection is not None)
                real_close()

            database.close = close  # type: ignore[method-assign]
            try:
                with hashing_slots.held():
                    pass
            except PasswordHashingBusy as exc:
                outcome.append(exc)
        finally:
            connections.close_all()

    with hashing_slots.held(), hashing_slots.held():
        thread = threading.Thread(target=waiting_request)
        thread.start()
        thread.join(DEADLINE_SECONDS)
    assert [type(exc) for exc in outcome] == [PasswordHashingBusy]
    assert closed[:1] == [True], "the open connection was not given back before the wait"


@pytest.mark.django_db
def test_a_login_without_a_slot_is_refused_503_and_goes_through_once_one_frees(
    bounded: None,
) -> None:
    user = User.objects.create_user(f"hasher-{uuid.uuid4().hex[:8]}", password="a-long-passphrase")
    with hashing_slots.held(), hashing_slots.held():
        assert_busy(log_in(user.username, "a-long-passphrase"))
    assert log_in(user.username, "a-long-passphrase").status_code == 200


@pytest.mark.django_db
def test_a_sign_up_without_a_slot_writes_nothing(bounded: None) -> None:
    username = f"new-{uuid.uuid4().hex[:8]}"
    with hashing_slots.held(), hashing_slots.held():
        response = APIClient().post(
            reverse("accounts:signup"), {"username": username, "password": "a-long-passphrase"}
        )
    assert_busy(response)
    assert not User.objects.filter(username=username).exists()


@pytest.mark.django_db
def test_the_admin_login_form_is_bounded_too(bounded: None) -> None:
    with hashing_slots.held(), hashing_slots.held():
        response = APIClient().post(
            "/admin/login/", {"username": "someone", "password": "a-long-passphrase"}
        )
    assert_busy(response)


def test_stored_hashes_are_djangos_pbkdf2(bounded: None) -> None:
    """Same algorithm name: hashes made before the bound still verify, and the other way."""
    plain = PBKDF2PasswordHasher().encode("a-long-passphrase", "somesalt", 1000)
    assert check_password("a-long-passphrase", plain)
    assert make_password("x").startswith(f"{PBKDF2PasswordHasher.algorithm}$1000$")
    # Two hashers of one algorithm: Django would verify with the later one, unbounded.
    assert [name for name in PRODUCTION_HASHERS if name.endswith(".PBKDF2PasswordHasher")] == []
