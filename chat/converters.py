"""The path converter of the ids in the chat's REST and WebSocket routes
(``<rowid:pk>``), registered when the app is ready (``chat.apps``)."""

from django.db.models import BigIntegerField


class RowIdConverter:
    """A row's id: digits, up to the largest id the database holds (a bigint). A larger
    number names no row, so the URL matches no route (a 404) before any query is made."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        row_id = int(value)
        if row_id > BigIntegerField.MAX_BIGINT:
            raise ValueError(f"{value} is beyond the largest id.")
        return row_id

    def to_url(self, value: int) -> str:
        return str(value)
