"""REST shapes of the chat app: what a request may carry and how a response
looks. They write nothing; the views hand validated data to ``chat.services``."""

from typing import TYPE_CHECKING, Any, cast

from django.db.models import BigIntegerField
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from chat import search
from chat.messages.chat_detail import MAX_MENTIONS, ReactionPayload, ReplyPayload
from chat.messages.me import SummaryPayload
from chat.models import (
    REACTION_EMOJI,
    Attachment,
    Block,
    ChatMember,
    ChatMessage,
    GroupChat,
    InviteLink,
    Mention,
)
from chat.models.chat_message import MAX_MESSAGE_LENGTH
from chat.services.blocks import CANNOT_BLOCK_ONESELF

if TYPE_CHECKING:
    from chat.selectors import GroupChatOverview

Role = ChatMember.Role


class UserSummarySerializer(serializers.ModelSerializer[User]):
    """Who someone is in a chat: no e-mail or names for other members to see."""

    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class GroupChatSerializer(serializers.ModelSerializer[GroupChat]):
    """A chat as seen by one member (``my_role`` comes from the selector)."""

    created_by = UserSummarySerializer(read_only=True)
    my_role = serializers.CharField(read_only=True)
    # I muted it: my pages notify me of nothing from it.
    muted = serializers.BooleanField(read_only=True)

    class Meta:
        model = GroupChat
        fields = ["id", "name", "created_by", "created_at", "updated_at", "my_role", "muted"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"name": {"error_messages": {"blank": "A group needs a name."}}}


class GroupChatOverviewSerializer(GroupChatSerializer):
    """A chat in my list (``chat.selectors.group_chat_overview``): also how many
    messages I have not read and how many of those mention me, whether I muted it, and
    the latest message, as ``/ws/me/`` sends them."""

    unread_count = serializers.IntegerField(read_only=True)
    mention_count = serializers.IntegerField(read_only=True)
    last_message = serializers.SerializerMethodField()

    class Meta(GroupChatSerializer.Meta):
        fields = [
            *GroupChatSerializer.Meta.fields,
            "unread_count",
            "mention_count",
            "last_message",
        ]

    def get_last_message(self, group_chat: GroupChat) -> dict[str, Any] | None:
        # A GroupChat from the overview's queryset (the hint drf-spectacular reads at run
        # time names the model; the annotated type exists for the type checker only).
        summary = SummaryPayload.from_overview(cast("GroupChatOverview", group_chat))
        return (
            None if summary.last_message is None else summary.last_message.model_dump(mode="json")
        )


class ChatMemberSerializer(serializers.ModelSerializer[ChatMember]):
    """A membership; only its role can change (``PATCH``). The API calls the
    model's ``role`` ``chat_role``, as it always has."""

    user = UserSummarySerializer(read_only=True)
    # Declared, not derived from the model: the model's default would make it
    # optional, and a role change without a role means nothing.
    chat_role = serializers.ChoiceField(source="role", choices=Role.choices)
    # Who added them (null: they created the chat, or the adder's account is gone).
    added_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ChatMember
        # last_read_seq: the seq of the last message they have read ("seen by").
        fields = ["id", "user", "chat_role", "joined_at", "added_by", "last_read_seq"]
        read_only_fields = ["id", "joined_at", "last_read_seq"]


class LeaveSerializer(serializers.Serializer[ChatMember]):
    """``DELETE`` of a membership: ``?block_adder=true`` on one's own also blocks who
    added them (``chat.services.members.leave_and_block_adder``)."""

    block_adder = serializers.BooleanField(
        default=False,
        help_text="On one's own membership: also block the user who added them.",
    )


class BlockSerializer(serializers.ModelSerializer[Block]):
    """A user I blocked: they cannot add me to group chats."""

    user = UserSummarySerializer(source="blocked", read_only=True)

    class Meta:
        model = Block
        fields = ["user", "created_at"]
        read_only_fields = fields


class NewBlockSerializer(serializers.Serializer[Block]):
    """Blocking someone by username (not oneself: the request's user, in the context)."""

    username = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        error_messages={"does_not_exist": "No user named {value}."},
    )

    def validate_username(self, user: User) -> User:
        if user == self.context["request"].user:
            raise serializers.ValidationError(CANNOT_BLOCK_ONESELF)
        return user


class NewChatMemberSerializer(ChatMemberSerializer):
    """Adding someone by username, as a plain member unless told otherwise."""

    username = serializers.SlugRelatedField(
        source="user",
        slug_field="username",
        queryset=User.objects.all(),
        write_only=True,
        error_messages={"does_not_exist": "No user named {value}."},
    )
    chat_role = serializers.ChoiceField(source="role", choices=Role.choices, default=Role.MEMBER)

    class Meta(ChatMemberSerializer.Meta):
        fields = [*ChatMemberSerializer.Meta.fields, "username"]


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    """A file uploaded to a chat, field for field the WebSocket's ``AttachmentPayload``."""

    url = serializers.CharField(source="get_absolute_url", read_only=True)
    thumbnail_url = serializers.CharField(
        source="get_thumbnail_url", read_only=True, allow_null=True
    )

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "width", "height", "url", "thumbnail_url"]
        read_only_fields = fields


class NewAttachmentSerializer(serializers.Serializer[Attachment]):
    """``POST`` of an attachment: one file, as multipart/form-data (the rules on what it
    may be are the service's)."""

    file = serializers.FileField(allow_empty_file=True, use_url=False)


class MessageSerializerBase(serializers.ModelSerializer[ChatMessage]):
    """What every shape of a message says: who sent it, and whether it was deleted."""

    sender = UserSummarySerializer(read_only=True, allow_null=True)
    deleted = serializers.SerializerMethodField()

    def get_deleted(self, message: ChatMessage) -> bool:
        return message.deleted_at is not None


class ReplySerializer(MessageSerializerBase):
    """The message a reply answers, as it is now: ``ReplyPayload``."""

    snippet = serializers.SerializerMethodField()

    class Meta:
        model = ChatMessage
        fields = ["id", "seq", "sender", "snippet", "deleted"]
        read_only_fields = fields

    def get_snippet(self, original: ChatMessage) -> str:
        return ReplyPayload.from_message(original).snippet


class ReactionSerializer(serializers.Serializer[ReactionPayload]):
    """One emoji on a message, how many put it there and who: ``ReactionPayload``."""

    emoji = serializers.ChoiceField(choices=REACTION_EMOJI, read_only=True)
    count = serializers.IntegerField(read_only=True)
    users = UserSummarySerializer(many=True, read_only=True)


class MentionSerializer(serializers.ModelSerializer[Mention]):
    """A member a message names: who, and the name as the text wrote it."""

    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Mention
        fields = ["user", "handle"]
        read_only_fields = fields


class ChatMessageSerializer(MessageSerializerBase):
    """Field for field the WebSocket's ``MemberPayload``, so a client renders
    history and live messages with the same code (``mentions`` prefetched with their
    users: ``chat.selectors.shown_messages``)."""

    group_chat_id = serializers.IntegerField(read_only=True)
    reply_to = ReplySerializer(read_only=True, allow_null=True)
    reactions = serializers.SerializerMethodField()
    mentions = MentionSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ChatMessage
        fields = [
            "id",
            "group_chat_id",
            "seq",
            "content",
            "sender",
            "created_at",
            "client_id",
            "edited_at",
            "deleted",
            "reply_to",
            "reactions",
            "mentions",
            "attachments",
        ]
        read_only_fields = fields

    # From what ``chat.selectors.shown_messages`` loaded.
    @extend_schema_field(ReactionSerializer(many=True))
    def get_reactions(self, message: ChatMessage) -> list[dict[str, Any]]:
        summary = ReactionPayload.summary(message.reactions.all())
        return [ReactionSerializer(reaction).data for reaction in summary]


class EditedChatMessageSerializer(serializers.Serializer[ChatMessage]):
    """``PATCH`` of a message: its new text (the rules are the service's)."""

    content = serializers.CharField(max_length=MAX_MESSAGE_LENGTH, trim_whitespace=False)
    mentions = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BigIntegerField.MAX_BIGINT),
        max_length=MAX_MENTIONS,
        default=list,
        help_text="The ids of the users the new text mentions (as the socket's edit_message).",
    )


class MuteSerializer(serializers.Serializer[ChatMember]):
    """Whether I muted a chat."""

    muted = serializers.BooleanField(read_only=True)


class SearchQuerySerializer(serializers.Serializer[Any]):
    """``GET /api/search/``: the words to find, in every chat of mine or in one."""

    q = serializers.CharField(
        max_length=200, help_text="Words; a message must contain every one of them."
    )
    group = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BigIntegerField.MAX_BIGINT,
        help_text="Only this chat (one of mine).",
    )

    def validate_q(self, value: str) -> str:
        if not search.words(value):
            raise serializers.ValidationError("Type at least one word to search for.")
        return value


class HighlightFragmentSerializer(serializers.Serializer[search.Fragment]):
    """A piece of a result's highlight: plain text (never HTML); ``match``: one of the
    words searched for, to be marked."""

    text = serializers.CharField()
    match = serializers.BooleanField()


class SearchResultSerializer(ChatMessageSerializer):
    """A message found (``chat.search``): the history's shape, its chat's name, and the
    highlight, its text around the matches in pieces (the markers it was drawn with are
    in the context)."""

    group_chat_name = serializers.CharField(source="group_chat.name", read_only=True)
    highlight = serializers.SerializerMethodField()

    class Meta(ChatMessageSerializer.Meta):
        fields = [*ChatMessageSerializer.Meta.fields, "group_chat_name", "highlight"]
        read_only_fields = fields

    @extend_schema_field(HighlightFragmentSerializer(many=True))
    def get_highlight(self, message: ChatMessage) -> list[dict[str, Any]]:
        headline: str = message.headline  # type: ignore[attr-defined]  # chat.search's
        pieces = search.fragments(headline, self.context["markers"])
        return [{"text": piece.text, "match": piece.match} for piece in pieces]


class InviteLinkSerializer(serializers.ModelSerializer[InviteLink]):
    """An invite link as its chat's owners and admins see it: the address to hand out
    (``url``, the page that joins), its limits and how far they are used."""

    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=InviteLink.State.choices, read_only=True)

    class Meta:
        model = InviteLink
        fields = [
            "id",
            "url",
            "created_by",
            "created_at",
            "expires_at",
            "max_uses",
            "uses",
            "state",
        ]
        read_only_fields = fields

    def get_url(self, link: InviteLink) -> str:
        path = reverse("pages:invite", args=[link.token])
        request = self.context.get("request")
        return path if request is None else request.build_absolute_uri(path)


class NewInviteLinkSerializer(serializers.Serializer[InviteLink]):
    """A new invite link: how long it lets people in, and how many at most (none: any
    number until it expires)."""

    expires_in_hours = serializers.IntegerField(min_value=1, max_value=30 * 24, default=7 * 24)
    max_uses = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False, allow_null=True, default=None
    )


class InviteSerializer(serializers.Serializer[Any]):
    """What opening an invite link shows: the chat it joins, and whether the requester
    (if logged in) is in it already."""

    group_chat_id = serializers.IntegerField()
    group_chat_name = serializers.CharField()
    is_member = serializers.BooleanField()


class JoinedSerializer(serializers.Serializer[Any]):
    """Where a join through an invite link leads: the chat, and whether the user was in
    it already (the link was not counted then)."""

    group_chat_id = serializers.IntegerField()
    already_member = serializers.BooleanField()
