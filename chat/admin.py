"""Admin for support staff. It writes straight to the models, bypassing
``chat.services``: staff can repair what the API's rules would refuse."""

from typing import TYPE_CHECKING

from django.contrib import admin

from chat.models import ChatMember, ChatMessage, GroupChat

# Django's admin classes are generic only in django-stubs, not at runtime.
if TYPE_CHECKING:
    MemberInlineBase = admin.TabularInline[ChatMember, GroupChat]
    GroupChatAdminBase = admin.ModelAdmin[GroupChat]
    ChatMemberAdminBase = admin.ModelAdmin[ChatMember]
    ChatMessageAdminBase = admin.ModelAdmin[ChatMessage]
else:
    MemberInlineBase = admin.TabularInline
    GroupChatAdminBase = ChatMemberAdminBase = ChatMessageAdminBase = admin.ModelAdmin


class ChatMemberInline(MemberInlineBase):
    model = ChatMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(GroupChat)
class GroupChatAdmin(GroupChatAdminBase):
    list_display = ["name", "created_by", "created_at", "updated_at"]
    list_select_related = ["created_by"]
    search_fields = ["name", "created_by__username"]
    raw_id_fields = ["created_by"]
    inlines = [ChatMemberInline]


@admin.register(ChatMember)
class ChatMemberAdmin(ChatMemberAdminBase):
    list_display = ["user", "group_chat", "role", "joined_at"]
    list_filter = ["role"]
    list_select_related = ["user", "group_chat"]
    search_fields = ["user__username", "group_chat__name"]
    raw_id_fields = ["user", "group_chat"]


@admin.register(ChatMessage)
class ChatMessageAdmin(ChatMessageAdminBase):
    list_display = ["group_chat", "sender", "content", "created_at"]
    list_select_related = ["group_chat", "sender"]
    search_fields = ["content", "sender__username", "group_chat__name"]
    raw_id_fields = ["group_chat", "sender"]
    date_hierarchy = "created_at"
