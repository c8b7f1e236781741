"""Ids in REST requests beyond what the database holds (a bigint) name no row: in a URL
a 404, in a query or a body a 400 naming the limit; never a 500 from the query."""

import re

import pytest
from django.urls import URLPattern, reverse

from accounts.models import User
from chat.models import GroupChat
from chat.services.messages import save_message
from chat.tests.api.conftest import ClientFor
from chat.urls import urlpatterns

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = 2**63
# A URL parameter that is an id: any but the ``str`` ones (an emoji, an invite's token).
ID_PARAMETER = re.compile(r"<(?!str:)\w+:\w+>")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def routes_with_ids() -> list[URLPattern]:
    return [route for route in urlpatterns if ID_PARAMETER.search(str(route.pattern))]


@pytest.mark.parametrize("route", routes_with_ids(), ids=lambda route: route.name)
def test_such_an_id_in_a_url_is_a_404(
    client_for: ClientFor, owner: User, route: URLPattern
) -> None:
    """Every method of every route that takes an id, with each id beyond the database."""
    path = ID_PARAMETER.sub(str(BEYOND_BIGINT), str(route.pattern))
    path = re.sub(r"<str:\w+>", "x", path)
    view = route.callback.view_class  # type: ignore[attr-defined]
    methods = [m for m in HTTP_METHODS if m in view.http_method_names and hasattr(view, m)]
    assert methods

    for method in methods:
        response = client_for(owner).generic(method.upper(), f"/api/{path}")

        assert response.status_code == 404, (method, path)


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
