"""The AsyncAPI 3 document of the WebSocket protocol, generated from the code.

Each route's consumer is one channel (its address is the route's path). Its operations
are what it declares: ``receive`` for each message class of its incoming union
(``RealtimeConsumer[Incoming, Obj]``, ping included), ``send`` for each class it may
send (``sent_messages()``: the layer's own, then its ``outgoing_messages``). Message
payloads are the pydantic models' JSON schemas. A consumer or an action added to the
code is in the document with nothing else to write here.
"""

import inspect
import re
from collections.abc import Iterator, Sequence
from typing import Any

from django.contrib.admindocs.views import simplify_regex
from django.urls import URLPattern, URLResolver
from pydantic.json_schema import models_json_schema

from realtime.consumers import CLOSE_CODES, RealtimeConsumer
from realtime.messages import BaseMessage, message_action

ASYNCAPI_VERSION = "3.0.0"
SCHEMAS = "#/components/schemas/"


def url_routes(
    patterns: Sequence[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    """``(path, callback)`` for each route, included ones too: the path as a client
    writes it, each parameter as ``{name}`` (``/ws/chat/{pk}/``)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_routes(pattern.url_patterns, route)
        else:
            yield re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", simplify_regex(route)), pattern.callback


def consumer_routes(
    patterns: Sequence[URLPattern | URLResolver],
) -> list[tuple[str, type[RealtimeConsumer[Any, Any]]]]:
    """``(address, consumer class)`` of each WebSocket route; a route to anything but a
    ``RealtimeConsumer`` is refused, since nothing says what it receives or sends."""
    routes = []
    for address, callback in url_routes(patterns):
        consumer = getattr(callback, "consumer_class", None)
        if not (isinstance(consumer, type) and issubclass(consumer, RealtimeConsumer)):
            raise TypeError(f"{address} is not routed to a RealtimeConsumer: {callback!r}")
        routes.append((address, consumer))
    return routes


def described(item: type) -> dict[str, str]:
    """A class's own docstring (not one it inherits) as a summary (its first paragraph)
    and a description."""
    doc = inspect.cleandoc(item.__dict__.get("__doc__") or "")
    if not doc:
        return {}
    return {"summary": " ".join(doc.split("\n\n")[0].split()), "description": doc}


def message_key(message: type[BaseMessage]) -> str:
    return message.__name__


def message_component(message: type[BaseMessage], payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": message_action(message),
        "title": message.__name__,
        **described(message),
        "contentType": "application/json",
        "payload": payload,
    }


def operations_for(
    channel: str, direction: str, messages: Sequence[type[BaseMessage]]
) -> dict[str, Any]:
    """One operation per message class: the server receives it or sends it
    (``direction``) on ``channel``; keyed ``Channel.direction.action``."""
    operations = {}
    for message in messages:
        action = message_action(message)
        summary = described(message).get("summary")
        operations[f"{channel}.{direction}.{action}"] = {
            "action": direction,
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{action}"}],
            **({"summary": summary} if summary else {}),
        }
    return operations


def asyncapi_document(
    patterns: Sequence[URLPattern | URLResolver],
    *,
    info: dict[str, Any],
    servers: dict[str, Any],
) -> dict[str, Any]:
    """The AsyncAPI document of the consumers routed by ``patterns``."""
    routes = consumer_routes(patterns)
    all_messages: dict[str, type[BaseMessage]] = {}
    for _address, consumer in routes:
        for message in (*consumer.incoming_messages, *consumer.sent_messages()):
            known = all_messages.setdefault(message_key(message), message)
            if known is not message:
                raise ValueError(f"two message classes are named {message.__name__}")
    refs, schemas = models_json_schema(
        [(message, "validation") for message in all_messages.values()],
        ref_template=SCHEMAS + "{model}",
    )
    components_messages = {
        key: message_component(message, refs[message, "validation"])
        for key, message in all_messages.items()
    }
    close_codes = [{"code": code, "reason": reason} for code, reason in CLOSE_CODES.items()]
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for address, consumer in routes:
        name = consumer.__name__
        if name in channels:
            raise ValueError(f"{name} is routed twice")
        exchanged = (*consumer.incoming_messages, *consumer.sent_messages())
        channels[name] = {
            "address": address,
            "title": name,
            **described(consumer),
            "messages": {
                message_action(message): {"$ref": f"#/components/messages/{message_key(message)}"}
                for message in exchanged
            },
            **parameters(address),
            "x-close-codes": close_codes,
        }
        operations |= operations_for(name, "receive", consumer.incoming_messages)
        operations |= operations_for(name, "send", consumer.sent_messages())
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": info,
        "servers": servers,
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": components_messages, "schemas": schemas.get("$defs", {})},
    }


def parameters(address: str) -> dict[str, Any]:
    names = re.findall(r"{(\w+)}", address)
    if not names:
        return {}
    return {"parameters": {name: {"description": f"The route's {name}."} for name in names}}
