"""Login and sign-up need Django's CSRF token, as every cookie-setting write does:
a foreign page cannot post a form there and log the visitor into another account."""

import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.support.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def browser() -> APIClient:
    """A client that gets Django's CSRF checks, as a browser does."""
    return APIClient(enforce_csrf_checks=True)


def credentials() -> dict[str, str]:
    return {"username": UserFactory.create().username, "password": DEFAULT_PASSWORD}


def new_account() -> dict[str, str]:
    return {"username": f"csrf-{uuid.uuid4().hex[:8]}", "password": "a-long-passphrase"}


@pytest.mark.parametrize(
    ("endpoint", "body"), [("accounts:login", credentials), ("accounts:signup", new_account)]
)
def test_a_form_posted_from_another_site_is_refused_and_sets_no_cookie(
    endpoint: str, body: object
) -> None:
    assert callable(body)
    client = browser()
    # What a foreign page's auto-submitted form sends: form-encoded, no token.
    response = client.post(reverse(endpoint), body(), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert settings.AUTH_COOKIE_ACCESS not in response.cookies


@pytest.mark.parametrize(
    ("endpoint", "body", "status"),
    [("accounts:login", credentials, 200), ("accounts:signup", new_account, 201)],
)
def test_with_the_token_from_the_csrf_endpoint_it_succeeds(
    endpoint: str, body: object, status: int
) -> None:
    assert callable(body)
    client = browser()
    token = client.get(reverse("accounts:csrf")).json()["csrf_token"]
    response = client.post(reverse(endpoint), body(), format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == status, response.content
    assert response.cookies[settings.AUTH_COOKIE_ACCESS].value
