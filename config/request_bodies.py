"""daphne's HTTP request bodies, parsed by the application only.

daphne receives a request's whole body (into a temporary file above 100 KB: Twisted's
``Request.content``) before it hands it to the application, which parses it as it reads
(Django's multipart parser, writing each file to disk: ``chat.uploads``). Twisted's
``Request`` also parses a ``multipart/form-data`` or url-encoded POST body for its own
``args``, which daphne never reads: it reads the body whole into memory and through the
email package, several copies of it at once, so each upload cost the worker many times
its size in memory (docs/benchmarks.md, "Uploads").

``install()`` makes daphne's requests skip that parsing (Twisted's own switch,
``parsePOSTFormSubmission=False``). ``config.asgi`` calls it, so ``daphne`` and
``manage.py runserver`` both get it.
"""

from typing import Any

from daphne import http_protocol


class WebRequest(http_protocol.WebRequest):  # type: ignore[misc]
    """daphne's request, without Twisted's parsing of form bodies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


def install() -> None:
    """daphne's protocol builds ``WebRequest`` from its module's name at each request."""
    http_protocol.WebRequest = WebRequest
