"""What every operation of the OpenAPI schema has in common, beyond what drf-spectacular
infers from the views: the CSRF header that cookie-authenticated writes need, and the
error responses DRF gives (``config.exceptions``), each only where the view can give it.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated


class ErrorSerializer(serializers.Serializer[Any]):
    """DRF's answer to a refused request: ``{"detail": "..."}``, and a ``code`` from
    the token checks."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


# A 400: each refused field (or ``non_field_errors``) with its messages.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each refused field, or non_field_errors, with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
UNSAFE_METHODS = BODY_METHODS | {"DELETE"}

CSRF_HEADER = OpenApiParameter(
    name="X-CSRFToken",
    type=str,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "The csrftoken cookie's value (GET /api/auth/csrf/ sets it and returns it): "
        "every write that a cookie authenticates must echo it."
    ),
)


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method in UNSAFE_METHODS:
            parameters.append(CSRF_HEADER)
        return parameters

    def validates_query(self) -> bool:
        """Whether the view checks its query parameters with a serializer (named in
        ``@extend_schema(parameters=[...])``), refusing bad ones with a 400."""
        return any(
            isinstance(parameter, serializers.BaseSerializer)
            or (isinstance(parameter, type) and issubclass(parameter, serializers.BaseSerializer))
            for parameter in self.get_override_parameters()
        )

    def error_responses(self) -> dict[str, OpenApiResponse]:
        """The errors this operation can answer, by status."""
        errors: dict[str, OpenApiResponse] = {}
        has_body = self.method in BODY_METHODS and self.get_request_serializer() is not None
        if has_body or self.get_filter_backends() or self.validates_query():
            errors["400"] = OpenApiResponse(VALIDATION_ERROR, "The request was refused.")
        if any(isinstance(p, IsAuthenticated) for p in self.view.get_permissions()):
            errors["401"] = OpenApiResponse(
                ErrorSerializer, "Not logged in, or the access token expired: refresh it."
            )
        if self.method in UNSAFE_METHODS:
            errors["403"] = OpenApiResponse(
                ErrorSerializer, "No CSRF token, or the requester's role does not allow it."
            )
        paginated = self.method == "GET" and getattr(self.view, "pagination_class", None)
        if "{" in self.path or paginated:
            errors["404"] = OpenApiResponse(
                ErrorSerializer,
                "No such object among the requester's (another's chat is a 404, never a "
                "403), or no such page or cursor.",
            )
        if self.view.get_throttles():
            errors["429"] = OpenApiResponse(
                ErrorSerializer, "Too many tries; the Retry-After header says when to retry."
            )
        if getattr(self.view, "hashes_a_password", False):
            errors["503"] = OpenApiResponse(
                ErrorSerializer,
                "Busy checking other passwords; the Retry-After header says when to retry.",
            )
        return errors

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        """drf-spectacular's success responses, and the errors (an explicit
        ``@extend_schema`` response for a status wins)."""
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status, body in self.error_responses().items():
            if status not in responses:
                # drf-spectacular's own builder (untyped), as for its success responses.
                responses[status] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    body, status, direction=direction
                )
        return responses
