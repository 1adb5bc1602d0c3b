"""Helpers for talking to the chat's WebSocket in tests."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientWebSocketResponse

WS = "/api/chat/ws"


async def until(ws: ClientWebSocketResponse, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next frame of type `kind`, skipping others."""
    while True:
        data = await ws.receive_json(timeout=timeout)
        if data["type"] == kind:
            return data


async def join(
    ws: ClientWebSocketResponse, room: str = "lobby", since: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Join `room`: the `joined` frame and the `history` that follows it."""
    await ws.send_json({"type": "join", "room": room, **({"since": since} if since is not None else {})})
    joined = await ws.receive_json(timeout=5)
    assert joined["type"] in ("joined", "error"), joined
    if joined["type"] == "error":
        return joined, {}
    return joined, await until(ws, "history")


async def say(ws: ClientWebSocketResponse, text: str, room: str = "lobby") -> None:
    await ws.send_json({"type": "message", "room": room, "text": text})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def heard(ws: ClientWebSocketResponse, text: str) -> dict[str, Any]:
    """The message with this text, skipping earlier ones; fails on an error frame."""
    while True:
        data = await ws.receive_json(timeout=5)
        assert data["type"] != "error", data
        if data["type"] == "message" and data["text"] == text:
            return data
