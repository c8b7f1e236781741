"""How every app's REST views answer errors: DRF's handler, plus Django's own
ValidationError (raised by services and ``full_clean``) as a 400 with its messages.

DRF already answers Django's PermissionDenied and Http404; Django's ValidationError
it would let through as a 500.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)
