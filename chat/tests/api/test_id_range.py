"""Ids in REST requests beyond what the database holds (a bigint) name no row: a 400
naming the limit, never a 500 from the query."""

import pytest
from django.urls import reverse

from accounts.models import User
from chat.models import GroupChat
from chat.services.messages import save_message
from chat.tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = 2**63


def test_a_search_in_such_a_chat_is_a_400(client_for: ClientFor, owner: User) -> None:
    query = {"q": "hi", "group": str(BEYOND_BIGINT)}
    response = client_for(owner).get(reverse("chat:search"), query)

    assert response.status_code == 400
    assert "group" in response.json()


def test_an_edit_mentioning_such_a_user_is_a_400(
    client_for: ClientFor, group_chat: GroupChat, owner: User
) -> None:
    message = save_message(group_chat=group_chat, sender=owner, content="hi")
    url = reverse("chat:message-detail", args=[group_chat.pk, message.pk])

    response = client_for(owner).patch(
        url, {"content": "hi @x", "mentions": [BEYOND_BIGINT]}, format="json"
    )

    assert response.status_code == 400
    assert "mentions" in response.json()
    message.refresh_from_db()
    assert message.content == "hi"
