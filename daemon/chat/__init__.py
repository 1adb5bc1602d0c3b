"""The chat feature: the instance lobby and a room per artist, over a WebSocket, with moderation.

- feature.py: setup(app): the routes, the Chat state, the templates
- schema.py: its migration set, `tunecamp.chat`: messages, sanctions, reports
- store.py: the SQL: messages and history pages, mutes and bans, the reports queue
- rules.py: room names, message text, the caller, the protocol's errors
- service.py: Chat: posting (limits, sanctions), history, deleting, sanctions, reports; the clock
- broadcast.py: the Broadcaster interface (publish/subscribe) and its in-process implementation
- redis_broadcast.py: the Broadcaster over Redis pub/sub, for several daemon processes (TUNECAMP_REDIS_URL)
- access.py: who is calling (cookie, Bearer, ?token=) and which page origins may connect
- socket.py: the WebSocket at /api/chat/ws and /ws/chat, one writer per socket
- moderation.py: the JSON API: history pages, reports, delete, mute, ban, lift
- dashboard.py: /admin/chat, the moderators' page
"""
