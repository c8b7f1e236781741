from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("groups/", views.GroupChatListView.as_view(), name="group-list"),
    path("groups/<int:pk>/", views.GroupChatDetailView.as_view(), name="group-detail"),
    path("groups/<int:pk>/members/", views.ChatMemberListView.as_view(), name="member-list"),
    path(
        "groups/<int:pk>/members/<int:member_id>/",
        views.ChatMemberDetailView.as_view(),
        name="member-detail",
    ),
    path("groups/<int:pk>/messages/", views.ChatMessageListView.as_view(), name="message-list"),
    path(
        "groups/<int:pk>/attachments/",
        views.AttachmentUploadView.as_view(),
        name="attachment-list",
    ),
    path(
        "groups/<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDetailView.as_view(),
        name="attachment-detail",
    ),
    path(
        "groups/<int:pk>/attachments/<int:attachment_id>/thumbnail/",
        views.AttachmentThumbnailView.as_view(),
        name="attachment-thumbnail",
    ),
    path("groups/<int:pk>/mute/", views.MuteView.as_view(), name="mute"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("groups/<int:pk>/invites/", views.InviteLinkListView.as_view(), name="invite-list"),
    path(
        "groups/<int:pk>/invites/<int:link_id>/",
        views.InviteLinkDetailView.as_view(),
        name="invite-detail",
    ),
    path("invites/<str:token>/", views.InviteView.as_view(), name="invite"),
    path("invites/<str:token>/join/", views.JoinView.as_view(), name="invite-join"),
    path("blocks/", views.BlockListView.as_view(), name="block-list"),
    path("blocks/<int:user_id>/", views.BlockDetailView.as_view(), name="block-detail"),
    path(
        "groups/<int:pk>/messages/<int:message_id>/",
        views.ChatMessageDetailView.as_view(),
        name="message-detail",
    ),
    path(
        "groups/<int:pk>/messages/<int:message_id>/reactions/<str:emoji>/",
        views.ReactionView.as_view(),
        name="reaction",
    ),
]
