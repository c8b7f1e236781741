from django.urls import path

from chat.views import attachments, blocks, groups, invites, members, messages, reactions, search

app_name = "chat"

# <rowid:...> is an id the database can hold (chat.converters): a larger one is a 404.
urlpatterns = [
    # Group chats
    path("groups/", groups.GroupChatListView.as_view(), name="group-list"),
    path("groups/<rowid:pk>/", groups.GroupChatDetailView.as_view(), name="group-detail"),
    # Members, and my mute of the chat
    path("groups/<rowid:pk>/members/", members.ChatMemberListView.as_view(), name="member-list"),
    path(
        "groups/<rowid:pk>/members/<rowid:member_id>/",
        members.ChatMemberDetailView.as_view(),
        name="member-detail",
    ),
    path("groups/<rowid:pk>/mute/", members.MuteView.as_view(), name="mute"),
    # Messages
    path(
        "groups/<rowid:pk>/messages/", messages.ChatMessageListView.as_view(), name="message-list"
    ),
    path(
        "groups/<rowid:pk>/messages/<rowid:message_id>/",
        messages.ChatMessageDetailView.as_view(),
        name="message-detail",
    ),
    # Reactions
    path(
        "groups/<rowid:pk>/messages/<rowid:message_id>/reactions/<str:emoji>/",
        reactions.ReactionView.as_view(),
        name="reaction",
    ),
    # Attachments
    path(
        "groups/<rowid:pk>/attachments/",
        attachments.AttachmentUploadView.as_view(),
        name="attachment-list",
    ),
    path(
        "groups/<rowid:pk>/attachments/<rowid:attachment_id>/",
        attachments.AttachmentDetailView.as_view(),
        name="attachment-detail",
    ),
    path(
        "groups/<rowid:pk>/attachments/<rowid:attachment_id>/thumbnail/",
        attachments.AttachmentThumbnailView.as_view(),
        name="attachment-thumbnail",
    ),
    # Search
    path("search/", search.SearchView.as_view(), name="search"),
    # Invite links
    path("groups/<rowid:pk>/invites/", invites.InviteLinkListView.as_view(), name="invite-list"),
    path(
        "groups/<rowid:pk>/invites/<rowid:link_id>/",
        invites.InviteLinkDetailView.as_view(),
        name="invite-detail",
    ),
    path("invites/<str:token>/", invites.InviteView.as_view(), name="invite"),
    path("invites/<str:token>/join/", invites.JoinView.as_view(), name="invite-join"),
    # Blocks
    path("blocks/", blocks.BlockListView.as_view(), name="block-list"),
    path("blocks/<rowid:user_id>/", blocks.BlockDetailView.as_view(), name="block-detail"),
]
