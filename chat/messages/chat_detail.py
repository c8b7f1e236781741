"""What the group chat consumer (``/ws/chat/<pk>/``) receives and sends."""

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from django.db.models import BigIntegerField
from pydantic import AfterValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from accounts.models import User
from chat.models import Attachment, ChatMember, ChatMessage, Mention, Reaction, ReactionEmoji
from chat.models.attachment import MAX_ATTACHMENTS_PER_MESSAGE
from chat.models.chat_message import CLIENT_ID_MAX_LENGTH, CLIENT_ID_PATTERN, MAX_MESSAGE_LENGTH
from realtime.messages import BaseMessage, BasePayload, GroupMessage, SignalMessage


def stripped_not_blank(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError(
            "string_too_short", "String should have at least 1 character besides whitespace"
        )
    return stripped


def without_nul(value: str) -> str:
    """PostgreSQL cannot store a NUL character in text: refused here, with a reason."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Text must not contain NUL (\\x00) characters")
    return value


# The model's rule (``ChatMessage.content``), checked at the edge: a frame that breaks
# it is refused with an ``error`` before any handler or query runs. The length is
# checked on what was sent, before stripping, so padding does not ride through.
MessageContent = Annotated[
    str,
    StringConstraints(max_length=MAX_MESSAGE_LENGTH),
    AfterValidator(stripped_not_blank),
    AfterValidator(without_nul),
]

# The sender's own id for a message (a UUID fits), the model's rule at the edge.
ClientId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CLIENT_ID_MAX_LENGTH, pattern=CLIENT_ID_PATTERN),
]


# The id of a row (a user, an upload), as the database can hold one: a larger number
# names nothing, and is refused here rather than by the database's driver.
RowId = Annotated[int, Field(ge=1, le=BigIntegerField.MAX_BIGINT)]

# The most users one message may name by id (``mentions``).
MAX_MENTIONS = 50

# The users a message names, by id, as the composer picked them: each must exist (else
# the message is refused) and be written in the text as ``@name``; those who are not
# members of the chat are left out. ``@name`` written for a member is a mention too.
MentionIds = Annotated[list[RowId], Field(max_length=MAX_MENTIONS)]


# Received


class MessagePayload(BasePayload):
    # May be blank (or left out) when ``attachment_ids`` names files to send.
    content: Annotated[
        str, StringConstraints(max_length=MAX_MESSAGE_LENGTH), AfterValidator(without_nul)
    ] = ""
    # Optional. A resend with the same id stores nothing new and is answered with
    # the message first saved under it.
    client_id: ClientId | None = None
    # Optional: the id of the earlier message of this chat that this one answers.
    reply_to: int | None = None
    mentions: MentionIds = []
    # Files uploaded first over HTTP (``POST /api/groups/<pk>/attachments/``), by the
    # ids the upload answered: the sender's own, unsent, in this chat. Never file bytes.
    attachment_ids: list[RowId] = Field(
        default_factory=list, max_length=MAX_ATTACHMENTS_PER_MESSAGE
    )

    @model_validator(mode="after")
    def says_something(self) -> "MessagePayload":
        if not self.attachment_ids:
            self.content = stripped_not_blank(self.content)
        return self


class NewChatMessage(BaseMessage):
    """Say something to the group; saved, then relayed as ``member_message``, and the
    sending socket is answered ``message_saved`` when it gave a ``client_id`` (or the
    relay failed)."""

    action: Literal["new_message"] = "new_message"
    payload: MessagePayload


class EditPayload(BasePayload):
    id: int
    content: MessageContent
    # The mentions of the new text (as ``new_message``'s): they replace the old ones.
    mentions: MentionIds = []


class EditChatMessage(BaseMessage):
    """Change the text of one's own message; every member gets ``message_edited``."""

    action: Literal["edit_message"] = "edit_message"
    payload: EditPayload


class DeletePayload(BasePayload):
    id: int


class DeleteChatMessage(BaseMessage):
    """Delete a message: one's own, or anyone's for the chat's owners and admins.
    Every member gets ``message_deleted``; the history keeps a tombstone."""

    action: Literal["delete_message"] = "delete_message"
    payload: DeletePayload


class ReactPayload(BasePayload):
    id: int
    emoji: ReactionEmoji
    # True puts the member's reaction on, False takes it off; either changes nothing
    # when it is already so (two tabs, or a resend, cannot add it twice).
    reacted: bool = True


class React(BaseMessage):
    """Put an emoji reaction on a message, or take it off (``reacted: false``). Every
    member gets ``reaction_changed`` when it changed something."""

    action: Literal["react"] = "react"
    payload: ReactPayload


class ReadPayload(BasePayload):
    # The seq of the last message the member has seen; a lower one than stored
    # changes nothing.
    seq: int = Field(ge=0)


class MarkRead(BaseMessage):
    """The member has seen the chat up to ``seq``: stored as their last-read position
    within ``READ_GATHER_SECONDS``, then the chat's sockets get ``members_read``, and the
    member's ``/ws/me/`` sockets their own entry of it."""

    action: Literal["mark_read"] = "mark_read"
    payload: ReadPayload


class Typing(SignalMessage):
    """The member is typing: the chat's other sockets get ``member_typing``. At most
    one a second per socket is relayed; more are ignored, without an error."""

    action: Literal["typing"] = "typing"


class Here(SignalMessage):
    """The page is open: the member is online for ``PRESENCE_TTL`` seconds more (the
    others get ``presence`` when they were not), answered ``online_members``. Pages
    say it when the socket opens and then every 20 s."""

    action: Literal["here"] = "here"


# Every action the consumer accepts (ping aside), discriminated on ``action``.
ChatDetailIncoming = (
    NewChatMessage | EditChatMessage | DeleteChatMessage | React | MarkRead | Typing | Here
)


# Sent to every member


class SenderPayload(BasePayload):
    id: int
    username: str

    @classmethod
    def of(cls, user: User | None) -> "SenderPayload | None":
        """Who ``user`` is on the wire; None for an account that is gone."""
        return None if user is None else cls(id=user.pk, username=user.username)


# How much of the original a reply quotes: its first line, at most this long.
SNIPPET_CHARS = 100


class ReplyPayload(BasePayload):
    """The message a reply answers, as the reply quotes it: as it is now (the snippet
    follows its edits; a deleted original is a tombstone)."""

    id: int
    seq: int
    sender: SenderPayload | None
    # The original's first line, at most SNIPPET_CHARS characters; empty once deleted.
    snippet: str
    deleted: bool

    @classmethod
    def from_message(cls, original: ChatMessage) -> "ReplyPayload":
        first_line = original.content.split("\n", 1)[0]
        return cls(
            id=original.pk,
            seq=original.seq,
            sender=SenderPayload.of(original.sender),
            snippet=first_line[:SNIPPET_CHARS],
            deleted=original.deleted_at is not None,
        )


class ReactionPayload(BasePayload):
    """One emoji on a message: how many members put it there, and who."""

    emoji: ReactionEmoji
    count: int
    users: list[SenderPayload]

    @classmethod
    def summary(cls, reactions: Iterable[Reaction]) -> list["ReactionPayload"]:
        """A message's reactions (in the order they came, users loaded) by emoji, each
        emoji where it first appeared."""
        users: dict[str, list[SenderPayload]] = {}
        for reaction in reactions:
            users.setdefault(reaction.emoji, []).append(
                SenderPayload(id=reaction.user.pk, username=reaction.user.username)
            )
        return [
            cls.model_validate({"emoji": emoji, "count": len(who), "users": who})
            for emoji, who in users.items()
        ]


class AttachmentPayload(BasePayload):
    """A file sent with a message; ``url`` downloads it (members only)."""

    id: int
    name: str
    # Read from the content when it was uploaded, not from its name.
    content_type: str
    size: int
    # Images only: their size in pixels, and a small WebP of them to show inline.
    width: int | None = None
    height: int | None = None
    url: str
    thumbnail_url: str | None = None

    @classmethod
    def from_attachment(cls, attachment: Attachment) -> "AttachmentPayload":
        return cls(
            id=attachment.pk,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            width=attachment.width,
            height=attachment.height,
            url=attachment.get_absolute_url(),
            thumbnail_url=attachment.get_thumbnail_url(),
        )


class MentionPayload(BasePayload):
    """A member the message names: ``handle`` is the name as the text wrote it after
    the "@", ``user`` who it names now (a renamed user keeps their mentions)."""

    user: SenderPayload
    handle: str

    @classmethod
    def from_mention(cls, mention: Mention) -> "MentionPayload":
        user = mention.user
        return cls(user=SenderPayload(id=user.pk, username=user.username), handle=mention.handle)


def mentions_of(message: ChatMessage) -> list[Mention]:
    """The message's mentions, from its prefetched ``mentions`` (with their users):
    a text without an "@" names nobody, and costs no query."""
    if "@" not in message.content:
        return []
    return list(message.mentions.all())


class MemberPayload(BasePayload):
    id: int
    group_chat_id: int
    # The message's place in its chat: 1, 2, 3... with no holes, so a client that
    # sees one skipped knows to fetch it (``?after=`` the id of the last it has in order).
    seq: int
    content: str
    sender: SenderPayload | None
    created_at: datetime
    # The sender's own id for the message, if it gave one: how its page matches the
    # message to what it sent.
    client_id: str | None = None
    # When the author last edited it, or null.
    edited_at: datetime | None = None
    # A tombstone: the message was deleted; its content is empty, its seq kept.
    deleted: bool = False
    # The members it names (``@name``), in the order the text names them.
    mentions: list[MentionPayload] = []
    # The message this one answers, or null.
    reply_to: ReplyPayload | None = None
    # Its reactions by emoji (none on a new message or a tombstone).
    reactions: list[ReactionPayload] = []
    # The files sent with it (none once it is deleted).
    attachments: list[AttachmentPayload] = []

    @classmethod
    def from_message(
        cls, message: ChatMessage, reactions: Iterable[Reaction] = ()
    ) -> "MemberPayload":
        """``message`` (its sender and ``reply_to`` loaded) with ``reactions``, its
        reactions as ``ReactionPayload.summary`` takes them. Its attachments are read from
        the database unless prefetched (as the services and the history do); a message
        built in memory, never stored, has none, and neither has a tombstone (its files
        are deleted with it): neither is looked up."""
        original = message.reply_to
        has_none = message._state.adding or message.deleted_at is not None
        attachments = [] if has_none else message.attachments.all()
        return cls(
            id=message.pk,
            group_chat_id=message.group_chat_id,
            seq=message.seq,
            content=message.content,
            sender=SenderPayload.of(message.sender),
            created_at=message.created_at,
            client_id=message.client_id,
            edited_at=message.edited_at,
            deleted=message.deleted_at is not None,
            mentions=[MentionPayload.from_mention(mention) for mention in mentions_of(message)],
            reply_to=None if original is None else ReplyPayload.from_message(original),
            reactions=ReactionPayload.summary(reactions),
            attachments=[AttachmentPayload.from_attachment(item) for item in attachments],
        )


class MemberMessage(GroupMessage):
    """A message a member said, as each member receives it (with ``is_mine`` and
    ``is_current`` set for that member by the relay)."""

    action: Literal["member_message"] = "member_message"
    payload: MemberPayload


class MessageEdited(GroupMessage):
    """A message's new text (``edited_at`` set), as every member receives it."""

    action: Literal["message_edited"] = "message_edited"
    payload: MemberPayload


class MessageDeleted(GroupMessage):
    """A message deleted: its tombstone (``deleted``, empty content), as every
    member receives it."""

    action: Literal["message_deleted"] = "message_deleted"
    payload: MemberPayload


class ReactionChangePayload(BasePayload):
    message_id: int
    emoji: ReactionEmoji
    user: SenderPayload
    # True: ``user`` put the emoji on; False: took it off.
    reacted: bool
    # How many members have this emoji on the message now.
    count: int


class ReactionChanged(GroupMessage):
    """A member put a reaction on a message or took it off, as every member receives
    it (``is_mine`` for that member's sockets)."""

    action: Literal["reaction_changed"] = "reaction_changed"
    payload: ReactionChangePayload


class MembershipPayload(BasePayload):
    """A membership, as ``GET /api/groups/<pk>/members/`` lists it."""

    id: int
    user: SenderPayload
    chat_role: str
    joined_at: datetime
    # Who added them: null when they created the chat or the adder's account is gone.
    added_by: SenderPayload | None = None
    # The seq of the last message they have read (what "seen by" shows).
    last_read_seq: int = 0

    @classmethod
    def from_membership(cls, membership: ChatMember) -> "MembershipPayload":
        user, adder = membership.user, membership.added_by
        return cls(
            id=membership.pk,
            user=SenderPayload(id=user.pk, username=user.username),
            chat_role=membership.role,
            joined_at=membership.joined_at,
            added_by=None if adder is None else SenderPayload(id=adder.pk, username=adder.username),
            last_read_seq=membership.last_read_seq,
        )


class MemberAdded(GroupMessage):
    """Someone joined the chat (every member's members panel updates)."""

    action: Literal["member_added"] = "member_added"
    payload: MembershipPayload


class MemberRoleChanged(GroupMessage):
    action: Literal["member_role_changed"] = "member_role_changed"
    payload: MembershipPayload


class MemberRemoved(GroupMessage):
    """Someone left or was removed (their own sockets in the chat are closed)."""

    action: Literal["member_removed"] = "member_removed"
    payload: MembershipPayload


class TypingPayload(BasePayload):
    user: SenderPayload
    # How long to show "is typing" unless another ``member_typing`` or a message
    # from them comes first (a duration, so the clocks need not agree).
    seconds: float


class MemberTyping(GroupMessage):
    """Someone is typing, as the chat's other sockets receive it."""

    action: Literal["member_typing"] = "member_typing"
    payload: TypingPayload


class PresencePayload(BasePayload):
    user: SenderPayload
    online: bool


class Presence(GroupMessage):
    """A member came online (their page's first ``here``) or went offline (their
    socket closed), as the chat's other sockets receive it."""

    action: Literal["presence"] = "presence"
    payload: PresencePayload


class ReadPosition(BasePayload):
    """A member's read position: the seq of the last message they have read, and what
    is left unread for them (others' messages after it, deleted ones left out) and the
    mentions of them among it."""

    user_id: int
    last_read_seq: int
    unread_count: int
    mention_count: int


class MembersReadPayload(BasePayload):
    group_chat_id: int
    # Each member whose read position moved, once, with their latest position.
    reads: list[ReadPosition]


class MembersRead(GroupMessage):
    """Members of a chat read further (``mark_read``, from any of their pages). Each
    worker gathers a chat's reported positions for ``READ_GATHER_SECONDS``, stores them,
    and sends those that moved as one message (``chat.services.read_positions``) to the
    chat's sockets ("seen by"): at most one message per window, however many read at
    once. Each reader's ``/ws/me/`` sockets get it with their own entry alone (the
    chat's new unread and mention counts for them)."""

    action: Literal["members_read"] = "members_read"
    payload: MembersReadPayload


# Sent to the sending socket


class OnlinePayload(BasePayload):
    # The members online now, the asking one included.
    users: list[SenderPayload]


class OnlineMembers(BaseMessage):
    """The answer to ``here``: who is online in the chat."""

    action: Literal["online_members"] = "online_members"
    payload: OnlinePayload


class SavedPayload(BasePayload):
    message: MemberPayload
    # Whether this send reached the chat's open sockets live. False when the channel
    # layer failed (the members catch up from the history) and for a duplicate.
    relayed: bool
    # A resend of a client_id already saved: ``message`` is the original, nothing
    # new was stored or relayed.
    duplicate: bool


class MessageSaved(BaseMessage):
    """The answer to ``new_message`` once the message is in the history: a saved
    message is never reported to its sender as failed."""

    action: Literal["message_saved"] = "message_saved"
    payload: SavedPayload
