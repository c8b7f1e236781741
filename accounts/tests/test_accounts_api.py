"""Sign-up and password change: ordinary users, Django's password validators."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.support.auth import jwt_cookies
from tests.support.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase"


@pytest.fixture
def user() -> User:
    return UserFactory.create()


@pytest.fixture
def logged_in(user: User) -> APIClient:
    client = APIClient()
    client.cookies.load(jwt_cookies(user))
    return client


def test_sign_up_creates_an_ordinary_user_and_logs_them_in() -> None:
    client = APIClient()
    response = client.post(
        reverse("accounts:signup"),
        {"username": "newcomer", "password": NEW_PASSWORD, "email": "n@example.com"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["username"] == "newcomer"
    user = User.objects.get(username="newcomer")
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.check_password(NEW_PASSWORD)
    assert client.cookies[settings.AUTH_COOKIE_ACCESS].value
    assert client.get(reverse("accounts:me")).json()["username"] == "newcomer"


def test_sign_up_cannot_ask_for_staff() -> None:
    response = APIClient().post(
        reverse("accounts:signup"),
        {"username": "sneaky", "password": NEW_PASSWORD, "is_staff": True, "is_superuser": True},
        format="json",
    )
    assert response.status_code == 201
    user = User.objects.get(username="sneaky")
    assert (user.is_staff, user.is_superuser) == (False, False)


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "too short"), ("12345678901", "entirely numeric"), ("password123", "too common")],
)
def test_sign_up_applies_djangos_password_validators(password: str, problem: str) -> None:
    response = APIClient().post(
        reverse("accounts:signup"), {"username": "weak", "password": password}
    )
    assert response.status_code == 400
    assert problem in " ".join(response.json()["password"])
    assert not User.objects.filter(username="weak").exists()


def test_sign_up_with_a_password_like_the_username_is_refused() -> None:
    response = APIClient().post(
        reverse("accounts:signup"), {"username": "marguerite", "password": "marguerite1"}
    )
    assert response.status_code == 400
    assert "too similar" in " ".join(response.json()["password"])


def test_sign_up_with_a_taken_username_is_400(user: User) -> None:
    response = APIClient().post(
        reverse("accounts:signup"), {"username": user.username, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "username" in response.json()


def test_password_change_needs_the_current_password(user: User, logged_in: APIClient) -> None:
    response = logged_in.post(
        reverse("accounts:password"), {"old_password": "wrong", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "old_password" in response.json()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_applies_the_validators(logged_in: APIClient) -> None:
    response = logged_in.post(
        reverse("accounts:password"), {"old_password": DEFAULT_PASSWORD, "new_password": "abc"}
    )
    assert response.status_code == 400
    assert "new_password" in response.json()


def test_password_change_sets_the_new_password_and_keeps_this_client_logged_in(
    user: User, logged_in: APIClient
) -> None:
    response = logged_in.post(
        reverse("accounts:password"),
        {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert logged_in.get(reverse("accounts:me")).status_code == 200


def test_password_change_without_credentials_is_401() -> None:
    response = APIClient().post(
        reverse("accounts:password"), {"old_password": "x", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 401
