"""Mentions: the members a message names, found when it is saved or edited.

A mention is written in the text as ``@name`` (the page's composer offers the chat's
members as the user types "@"). Each ``@name`` whose name is a member's (as usernames
compare: ``accounts.models.username_key``) mentions them. A client may also say whom it
means by id (the composer does, for the names it offered): an id that is no user is
refused, with nothing saved; so is a member's id whose ``@name`` the text lacks. Anyone
who is not a member of the chat is never mentioned, however named: nothing is stored
and nobody hears of it. The sender is never mentioned by their own message.

What is stored is the user (``Mention``), with the name as written: a rename changes
how the mention reads, never whom it names, and a deleted account's mentions go with
it. A member's mention count is derived from these and their read position
(``chat.selectors.group_chat_overview``): nothing to keep in step.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects

from accounts.models import User, username_key
from chat import selectors
from chat.models import ChatMember, ChatMessage, Mention

# "@" and a username's characters (Django's: letters, digits and @ . + - _), not right
# after one of them: an e-mail address ("ann@example.com") names nobody.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]+)")
# What ends a sentence rather than the name: "@ann." and "@ann-" name ann too.
NAME_TAIL = ".@+-"


@dataclass(frozen=True)
class Named:
    """A member a text names, with the name as written."""

    user: User
    handle: str


def written_names(content: str) -> list[list[str]]:
    """For each ``@name`` in the text, in order, the names it may be: as written, then
    without the punctuation that may end a sentence."""
    found = []
    for match in MENTION.finditer(content):
        written = match.group(1)
        trimmed = written.rstrip(NAME_TAIL)
        found.append([written, trimmed] if trimmed and trimmed != written else [written])
    return found


def find_mentions(
    *, group_chat_id: int, sender: User, content: str, user_ids: Sequence[int] = ()
) -> list[Named]:
    """The members of the chat ``content`` mentions (see the module), each once, in the
    order the text names them. Raises ``ValidationError`` for an id that is no user,
    and for a member's id whose ``@name`` the text does not write; writes nothing."""
    names = written_names(content)
    if not names and not user_ids:
        return []
    keys = {username_key(name) for candidates in names for name in candidates}
    members = {
        member.user.username_key: member.user
        for member in ChatMember.objects.filter(
            group_chat_id=group_chat_id, user__username_key__in=keys
        ).select_related("user")
    }
    named: dict[int, Named] = {}
    for candidates in names:
        for name in candidates:
            user = members.get(username_key(name))
            if user is not None:
                named.setdefault(user.pk, Named(user=user, handle=name))
                break
    _check_ids(group_chat_id, set(user_ids), named)
    return [mention for mention in named.values() if mention.user.pk != sender.pk]


def _check_ids(group_chat_id: int, user_ids: set[int], named: dict[int, Named]) -> None:
    """Every id must be a user; a member's must be named in the text."""
    if not user_ids:
        return
    users = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    missing = sorted(user_ids - users.keys())
    if missing:
        raise ValidationError(
            {"mentions": f"No user with id {', '.join(map(str, missing))} to mention."}
        )
    member_ids = set(
        ChatMember.objects.filter(group_chat_id=group_chat_id, user__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    unwritten = sorted(users[pk] for pk in member_ids - named.keys())
    if unwritten:
        raise ValidationError(
            {
                "mentions": "The text does not name "
                + ", ".join(f"@{name}" for name in unwritten)
                + ": write the name of each member you mention."
            }
        )


def store_mentions(message: ChatMessage, named: Iterable[Named], *, replace: bool = False) -> None:
    """Store the message's mentions (``replace``: instead of those it had, for an edit),
    and give them to it, with their users, as its payload reads them
    (``chat.messages.chat_detail.mentions_of``): nothing is read back."""
    if replace:
        forget_mentions(message)
    stored = Mention.objects.bulk_create(
        [Mention(message=message, user=name.user, handle=name.handle) for name in named]
    )
    selectors.remember(message, "mentions", stored)


def forget_mentions(message: ChatMessage) -> None:
    """The message names nobody any more (edited, or deleted)."""
    Mention.objects.filter(message=message).delete()


def load_mentions(messages: Sequence[ChatMessage]) -> None:
    """Prefetch the messages' mentions and their users (one query for them all)."""
    prefetch_related_objects(list(messages), selectors.mention_prefetch())
