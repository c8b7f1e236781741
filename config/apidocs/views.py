"""The API's documents, generated from the code: the OpenAPI schema of the REST API
(drf-spectacular), its docs page, and the AsyncAPI document of the WebSocket protocol
(``realtime.asyncapi``, from the production routes of ``config.routing``)."""

from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.routing import websocket_urlpatterns
from realtime.asyncapi import asyncapi_document

PROTOCOL_DESCRIPTION = """\
Every frame is a JSON object {"action": ..., "payload": ...}. A socket is authenticated
at the handshake by the same cookies as the REST API (the access-token cookie, or Django's
session cookie) and must come from an allowed Origin. The server's first frame is
`authentication`: 200, or the refusal's status, after which it closes the socket with
4000 + the status (each channel's x-close-codes lists the codes). `complete` and
`group_complete` are markers sent only where the server's settings turn them on (tests).
"""


@cache
def websocket_document() -> dict[str, Any]:
    """Built once per process: the routes and their consumers do not change."""
    server = urlsplit(settings.SERVER_URL)
    cookie_schemes = {
        "jwtCookie": {
            "type": "httpApiKey",
            "in": "cookie",
            "name": settings.AUTH_COOKIE_ACCESS,
            "description": "The access token, as for the REST API.",
        },
        "sessionCookie": {
            "type": "httpApiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Django's session (the admin's login).",
        },
    }
    return asyncapi_document(
        websocket_urlpatterns,
        info={
            "title": "Channels chat WebSocket protocol",
            "version": "1",
            "description": PROTOCOL_DESCRIPTION,
        },
        servers={
            "site": {
                "host": server.netloc,
                "protocol": "wss" if server.scheme == "https" else "ws",
                "security": list(cookie_schemes.values()),
            }
        },
    )


class AsyncAPIView(APIView):
    """The AsyncAPI 3 document of the WebSocket protocol: every consumer, every action
    it receives and sends, and the close codes."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT}, tags=["docs"])
    def get(self, request: Request) -> Response:
        return Response(websocket_document())


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI on the OpenAPI schema, under the site's Content-Security-Policy: its
    files are the sidecar's static files, its script a separate request (the split
    view), and its page has no inline style (our template)."""

    template_name = "apidocs/swagger_ui.html"
    url_name = "apidocs:schema"
