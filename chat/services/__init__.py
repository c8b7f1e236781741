"""Every write of the chat app lives in this package, one module per concept (group chats
in ``chats``, their members in ``members``, ``blocks``, ``messages``, ...): REST views
and consumers alike call these, so the rules (roles, the last owner, message validation)
hold whichever way a change arrives, and the members' open sockets hear of it
(``realtime.groups``). Blocking ORM code: call from a worker thread in async code
(``realtime.database.database_sync_to_async``); ``messages.apost_message`` is the one
written for async callers."""
