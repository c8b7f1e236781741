from django.urls import path

from chat.views import attachments, blocks, groups, invites, members, messages, reactions, search

app_name = "chat"

urlpatterns = [
    # Group chats
    path("groups/", groups.GroupChatListView.as_view(), name="group-list"),
    path("groups/<int:pk>/", groups.GroupChatDetailView.as_view(), name="group-detail"),
    # Members, and my mute of the chat
    path("groups/<int:pk>/members/", members.ChatMemberListView.as_view(), name="member-list"),
    path(
        "groups/<int:pk>/members/<int:member_id>/",
        members.ChatMemberDetailView.as_view(),
        name="member-detail",
    ),
    path("groups/<int:pk>/mute/", members.MuteView.as_view(), name="mute"),
    # Messages
    path("groups/<int:pk>/messages/", messages.ChatMessageListView.as_view(), name="message-list"),
    path(
        "groups/<int:pk>/messages/<int:message_id>/",
        messages.ChatMessageDetailView.as_view(),
        name="message-detail",
    ),
    # Reactions
    path(
        "groups/<int:pk>/messages/<int:message_id>/reactions/<str:emoji>/",
        reactions.ReactionView.as_view(),
        name="reaction",
    ),
    # Attachments
    path(
        "groups/<int:pk>/attachments/",
        attachments.AttachmentUploadView.as_view(),
        name="attachment-list",
    ),
    path(
        "groups/<int:pk>/attachments/<int:attachment_id>/",
        attachments.AttachmentDetailView.as_view(),
        name="attachment-detail",
    ),
    path(
        "groups/<int:pk>/attachments/<int:attachment_id>/thumbnail/",
        attachments.AttachmentThumbnailView.as_view(),
        name="attachment-thumbnail",
    ),
    # Search
    path("search/", search.SearchView.as_view(), name="search"),
    # Invite links
    path("groups/<int:pk>/invites/", invites.InviteLinkListView.as_view(), name="invite-list"),
    path(
        "groups/<int:pk>/invites/<int:link_id>/",
        invites.InviteLinkDetailView.as_view(),
        name="invite-detail",
    ),
    path("invites/<str:token>/", invites.InviteView.as_view(), name="invite"),
    path("invites/<str:token>/join/", invites.JoinView.as_view(), name="invite-join"),
    # Blocks
    path("blocks/", blocks.BlockListView.as_view(), name="block-list"),
    path("blocks/<int:user_id>/", blocks.BlockDetailView.as_view(), name="block-detail"),
]
