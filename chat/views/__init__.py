"""The chat REST API, a module per resource: group chats, their members (and one's
mute), messages, reactions, attachments, search, invite links, blocks.

Every view starts from the requester's own memberships (``chat.selectors``),
so another group's chat is a 404, never a 403 that would confirm it exists
(``chat.views.base``). Serializers validate and shape; the views hand what they
validated to ``chat.services``, where the role rules live. A service's
PermissionDenied is a 403 and its ValidationError a 400 (``config.exceptions``).
"""
