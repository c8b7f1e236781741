"""The browser pages: server-rendered shells that ``chat/static/chat/app.js``
fills in from the REST API and the group chat's WebSocket.

The views check no login themselves: the API decides what each user may see,
and the page's script sends a visitor to /login/ when the API answers 401.
"""

from http import HTTPStatus
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView
from rest_framework.request import Request

from accounts.throttles import AddressThrottle
from chat import selectors
from chat.models import REACTION_EMOJI, InviteLink
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from chat.services import invites

# The page script's modules (chat/static/chat/app/), named to the browser up front
# (<link rel="modulepreload">) so that it fetches them at once instead of one level of
# imports after another.
SCRIPT_MODULES = sorted(
    f"chat/app/{path.name}" for path in (Path(__file__).parent / "static/chat/app").glob("*.js")
)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class Page(TemplateView):
    """Sets the ``csrftoken`` cookie that the script echoes in X-CSRFToken
    on every cookie-authenticated write.

    ``page`` names the page for the script (``<body data-page>``), ``title`` is the
    document's title; ``chat/base.html`` puts both in place, and the origins the
    WebSocket Origin check allows (``<body data-socket-origins>``), which the script
    compares with its own so that it can say why its socket would be refused.
    """

    page: str
    title: str

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "page": self.page,
            "title": self.title,
            "socket_origins": settings.WEBSOCKET_ALLOWED_ORIGINS,
            "script_modules": SCRIPT_MODULES,
        }


def next_path(request: HttpRequest) -> str:
    """Where to go after logging in: ``?next=`` if it is a path on this site, else the
    groups. Decided by parsing as browsers do (Django's check strips tabs and newlines
    and refuses control characters, "//host", "/\\host" and "///"), never by a pattern."""
    candidate = request.GET.get("next", "")
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts=None, require_https=request.is_secure()
    ):
        return candidate
    return reverse("pages:groups")


class AccountEntryPage(Page):
    """Log in or sign up: the script goes on to ``next`` (``<body data-next>``)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next": next_path(self.request)}


class PasswordRulesPage(Page):
    """A page that sets a password shows the rules it must meet (the validators' own
    words) beside the field, before the first try."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rules = password_validation.password_validators_help_texts()
        return {**super().get_context_data(**kwargs), "password_rules": rules}


class LoginPage(AccountEntryPage):
    template_name = "chat/login.html"
    page, title = "login", "Log in"


class SignUpPage(AccountEntryPage, PasswordRulesPage):
    template_name = "chat/signup.html"
    page, title = "signup", "Sign up"


class AccountPage(PasswordRulesPage):
    template_name = "chat/account.html"
    page, title = "account", "Account"


class ChatsPage(Page):
    """The user's chats beside the open one: ``/groups/`` opens none, ``/groups/<pk>/``
    opens that chat (``<body data-group-id>``); the script switches between them without
    loading the page again. Whether the user may see a chat is the API's answer (404 for
    non-members), shown by the script."""

    template_name = "chat/chats.html"
    page, title = "chats", "My groups"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The composer counts toward the server's limit, and refuses past it; the
        # reactions a message may get, for the script's picker (data-reaction-emoji).
        return {
            **super().get_context_data(**kwargs),
            "max_message_length": MAX_MESSAGE_LENGTH,
            "reaction_emoji": REACTION_EMOJI,
        }


class InvitePage(Page):
    """An invite link (``/invite/<token>/``): the chat it joins, and a button that joins
    it (the script posts to ``/api/invites/<token>/join/``; a visitor who is not logged
    in is sent to log in or sign up and comes back here). A link that lets nobody in
    says why, with its status: 404 forged or altered, 410 expired, revoked or used up,
    429 when the address opened too many. Counted as the API's invite views count."""

    template_name = "chat/invite.html"
    page, title = "invite", "Invitation"
    throttle_scope = "invite"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        status, problem = HTTPStatus.OK, ""
        link = None
        if not AddressThrottle().allow_request(Request(request), self):
            status = HTTPStatus.TOO_MANY_REQUESTS
            problem = "Too many invite links were opened from your address: try again later."
        else:
            link = selectors.invite_link_for_token(kwargs["token"])
            if link is None:
                status, problem = HTTPStatus.NOT_FOUND, str(invites.InviteInvalid())
            elif link.state != InviteLink.State.VALID:
                status, problem = HTTPStatus.GONE, invites.InviteUnusable.MESSAGES[link.state]
        context.update(problem=problem, group_chat=None if problem else link and link.group_chat)
        return self.render_to_response(context, status=status)
