"""The AsyncAPI document of the WebSocket protocol: served beside the OpenAPI schema,
valid against the official AsyncAPI 3.0.0 JSON schema, and listing exactly what each
production consumer declares it receives and sends, with the close codes."""

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.urls import path
from jsonschema import Draft7Validator, Draft202012Validator
from rest_framework.test import APIClient

from config.routing import websocket_urlpatterns
from realtime.asyncapi import asyncapi_document, consumer_routes
from realtime.consumers import LAYER_OUTGOING, RealtimeConsumer
from realtime.messages import AuthenticationMessage, BaseMessage, PingMessage, message_action
from realtime.tests.consumers import EchoConsumer, RoomConsumer

ASYNCAPI_SCHEMA = Path(__file__).parent / "asyncapi_schema" / "3.0.0.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = APIClient().get("/api/asyncapi.json")
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


def declared_union(consumer: type[RealtimeConsumer[Any, Any]]) -> set[type[BaseMessage]]:
    """The message classes of ``RealtimeConsumer[Incoming, Obj]`` as the class
    statement writes them, read here independently of the layer."""
    for base in consumer.__orig_bases__:
        if get_origin(base) is RealtimeConsumer:
            incoming = get_args(base)[0]
            return set(get_args(incoming) or (incoming,))
    raise AssertionError(f"{consumer.__name__} declares no incoming messages")


def actions(document: dict[str, Any], channel: str, direction: str) -> set[str]:
    """The actions of the operations the server does in ``direction`` on ``channel``."""
    found = set()
    for operation in document["operations"].values():
        on_channel = operation["channel"]["$ref"] == f"#/channels/{channel}"
        if on_channel and operation["action"] == direction:
            (message,) = operation["messages"]
            found.add(message["$ref"].rsplit("/", 1)[1])
    return found


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    """The official AsyncAPI 3.0.0 JSON schema accepts the served document."""
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    assert document["asyncapi"] == "3.0.0"
    Draft7Validator(schema).validate(document)


def test_every_production_consumer_is_a_channel_at_its_route(document: dict[str, Any]) -> None:
    """One channel per route of config.routing, at the path a client opens."""
    routes = consumer_routes(websocket_urlpatterns)
    assert {name: channel["address"] for name, channel in document["channels"].items()} == {
        consumer.__name__: address for address, consumer in routes
    }
    assert document["channels"]["ChatDetailConsumer"]["address"] == "/ws/chat/{pk}/"


def test_each_channel_receives_its_declared_union_and_ping(document: dict[str, Any]) -> None:
    """The receive operations are the consumer's declared union plus ping, no more."""
    for _address, consumer in consumer_routes(websocket_urlpatterns):
        expected = {message_action(m) for m in declared_union(consumer) | {PingMessage}}
        assert actions(document, consumer.__name__, "receive") == expected


def test_each_channel_sends_the_layers_messages_and_its_declared_ones(
    document: dict[str, Any],
) -> None:
    """The send operations are the layer's own (authentication, error, pong and the
    markers) and what the consumer declares in ``outgoing_messages``."""
    for _address, consumer in consumer_routes(websocket_urlpatterns):
        expected = {message_action(m) for m in (*LAYER_OUTGOING, *consumer.outgoing_messages)}
        assert actions(document, consumer.__name__, "send") == expected
    assert actions(document, "ChatDetailConsumer", "send") == {
        "authentication",
        "error",
        "pong",
        "complete",
        "group_complete",
        "member_message",
        "message_edited",
        "message_deleted",
        "reaction_changed",
        "member_added",
        "member_role_changed",
        "member_removed",
        "members_read",
        "message_saved",
        "member_typing",
        "presence",
        "online_members",
    }


def test_each_channel_lists_the_close_codes(document: dict[str, Any]) -> None:
    """4000 + the status for 401, 403, 404, 429 and 503, and 1011 for a server fault."""
    for channel in document["channels"].values():
        codes = {entry["code"] for entry in channel["x-close-codes"]}
        assert codes == {4401, 4403, 4404, 4429, 4503, 1011}


def test_a_frame_the_server_sends_validates_against_its_payload_schema(
    document: dict[str, Any],
) -> None:
    """The payload schemas are the models': a real ``authentication`` frame fits its
    message's schema, and a frame with another action does not."""
    payload = document["components"]["messages"]["AuthenticationMessage"]["payload"]
    validator = Draft202012Validator({**payload, "components": document["components"]})
    frame = json.loads(AuthenticationMessage.for_status(HTTPStatus.OK).model_dump_json())
    validator.validate(frame)
    assert not validator.is_valid({**frame, "action": "pong"})


def test_a_new_consumer_or_action_appears_without_touching_the_generator() -> None:
    """Routing another consumer is all it takes: its union, with ping, and what it
    declares it sends are operations of the document."""
    routed = asyncapi_document(
        [path("ws/echo/", EchoConsumer.as_asgi()), path("ws/room/", RoomConsumer.as_asgi())],
        info={"title": "test", "version": "1"},
        servers={},
    )
    assert actions(routed, "EchoConsumer", "receive") == {"echo", "break", "ping"}
    assert "echo" in actions(routed, "EchoConsumer", "send")
    assert "shout" in actions(routed, "RoomConsumer", "send")
    assert routed["channels"]["RoomConsumer"]["address"] == "/ws/room/"


def test_a_route_to_a_consumer_that_declares_nothing_is_refused() -> None:
    """A plain channels consumer says nothing of its messages: the document refuses to
    leave it out silently."""
    with pytest.raises(TypeError, match="not routed to a RealtimeConsumer"):
        consumer_routes([path("ws/plain/", AsyncJsonWebsocketConsumer.as_asgi())])
