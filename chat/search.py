"""Searching the messages of one's own chats (``/api/search/``), on the full-text
index of ``chat.search_index``: PostgreSQL's or SQLite's, with the same answers.

What is searched is decided at the search, from the user's memberships as they are
then: a chat they left or were removed from gives nothing, whatever they could read
before. Deleted messages (tombstones) never match; an edited message matches by its
current text (both indexes follow every write).

A query is words, all of which a message must contain (stemmed: "meeting" finds
"meetings"); punctuation and operators are plain text. Results are best match first,
newer first among equals. Each has a highlight: its text around the matches, with
each matched word marked by two markers drawn at random for this search, so that no
message can fake them; ``fragments`` splits it into plain-text pieces, never HTML.
"""

import re
import secrets
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Expression, F, FloatField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Replace

from accounts.models import User
from chat import selectors
from chat.models import ChatMember, ChatMessage
from chat.search_index import FTS_TABLE, MESSAGES, SEARCH_VECTOR, TEXT_SEARCH_CONFIG

# A word, for both indexes' tokenizers: letters and digits, in any script.
WORD = re.compile(r"\w+")
# How much of a message a highlight shows around its matches, in words.
HIGHLIGHT_WORDS = 24
ELLIPSIS = "…"
# PostgreSQL's parser reads "<...>" as an HTML tag, which ts_headline leaves out: its
# highlight is made of the text with "<" written as ESCAPE + ESCAPED_LESS_THAN, and
# ESCAPE itself as ESCAPE + ESCAPED_ESCAPE, so that a message's own ESCAPE stays apart.
# SQLite's snippet is escaped alike, and ``fragments`` reads both back the same way.
ESCAPE = "\ue004"
ESCAPED_LESS_THAN = "\ue005"
ESCAPED_ESCAPE = "\ue006"
_UNESCAPED = {ESCAPED_LESS_THAN: "<", ESCAPED_ESCAPE: ESCAPE}
_ESCAPED = re.compile(f"{ESCAPE}([{ESCAPED_LESS_THAN}{ESCAPED_ESCAPE}])")


@dataclass(frozen=True)
class Markers:
    """What a highlight marks a match with, fresh for each search."""

    start: str
    stop: str

    @classmethod
    def fresh(cls) -> "Markers":
        token = secrets.token_hex(8)
        return cls(start=f"\ue000{token}\ue001", stop=f"\ue002{token}\ue003")


@dataclass(frozen=True)
class Fragment:
    """A piece of a highlight: plain text, a matched word or not."""

    text: str
    match: bool


def words(text: str) -> list[str]:
    """The words of a query (empty: nothing to search for)."""
    return WORD.findall(text)


def searchable_messages(user: User) -> QuerySet[ChatMessage]:
    """The messages ``user`` may find: in the chats they belong to now, not deleted."""
    return ChatMessage.objects.filter(
        group_chat_id__in=ChatMember.objects.filter(user=user).values("group_chat_id"),
        deleted_at__isnull=True,
    )


def search_messages(
    user: User, text: str, *, markers: Markers, group_chat_id: int | None = None
) -> QuerySet[ChatMessage]:
    """The messages of ``user``'s chats (or of one of them) that contain every word of
    ``text``, annotated with ``rank`` (higher is better) and ``headline`` (marked with
    ``markers``); unordered (the pagination orders by rank, then id)."""
    # Shown as the history shows them (the quote, the reactions), with the chat's name.
    messages = selectors.shown_messages(searchable_messages(user)).select_related("group_chat")
    if group_chat_id is not None:
        messages = messages.filter(group_chat_id=group_chat_id)
    if connection.vendor == "postgresql":
        return _postgresql(messages, words(text), markers)
    return _sqlite(messages, words(text), markers)


def _postgresql(
    messages: QuerySet[ChatMessage], terms: list[str], markers: Markers
) -> QuerySet[ChatMessage]:
    # plainto_tsquery: every word, stemmed; operators in the text are plain words.
    query = SearchQuery(" ".join(terms), config=TEXT_SEARCH_CONFIG, search_type="plain")
    # The column is the database's own (chat.search_index), not a model field.
    column = f'"{MESSAGES}"."{SEARCH_VECTOR}"'
    vector = RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611
    headline = SearchHeadline(
        _escaped(F("content")),
        query,
        config=TEXT_SEARCH_CONFIG,
        start_sel=markers.start,
        stop_sel=markers.stop,
        max_words=HIGHLIGHT_WORDS,
        min_words=HIGHLIGHT_WORDS // 2,
        max_fragments=2,
        fragment_delimiter=f" {ELLIPSIS} ",
    )
    # float8, so that the rank a cursor carries compares equal to the row's own.
    rank = Cast(SearchRank(vector, query), FloatField())
    return (
        messages.alias(search_vector=vector)
        .filter(search_vector=query)
        .annotate(rank=rank, headline=headline)
    )


# SQLite: the messages the FTS5 index matches, and each one's rank and snippet (only
# in a query that matches: hence a subquery per row, on the index's rowid). Constant
# text; the query and the markers are parameters.
_FOUND = f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
_THIS_ROW = f"{_FOUND} AND rowid = {MESSAGES}.id"
_SQLITE_IDS = f"SELECT rowid {_FOUND}"
# bm25 is lower for better matches.
_SQLITE_RANK = f"(SELECT -bm25({FTS_TABLE}) {_THIS_ROW})"
_SQLITE_SNIPPET = f"(SELECT snippet({FTS_TABLE}, 0, %s, %s, %s, %s) {_THIS_ROW})"


def _sqlite(
    messages: QuerySet[ChatMessage], terms: list[str], markers: Markers
) -> QuerySet[ChatMessage]:
    # Each word quoted: FTS5's query syntax (AND, NEAR, *, column filters) stays text.
    match = " ".join('"{}"'.format(term.replace('"', '""')) for term in terms)
    snippet = [markers.start, markers.stop, ELLIPSIS, HIGHLIGHT_WORDS, match]
    return messages.filter(id__in=RawSQL(_SQLITE_IDS, [match])).annotate(  # noqa: S611
        rank=RawSQL(_SQLITE_RANK, [match], output_field=FloatField()),  # noqa: S611
        headline=_escaped(RawSQL(_SQLITE_SNIPPET, snippet, output_field=TextField())),  # noqa: S611
    )


def _escaped(text: F | Expression) -> Replace:
    """``text`` with "<" and ESCAPE escaped (SQL), as ``fragments`` reads them back."""
    escapes_escaped = Replace(
        text, Value(ESCAPE), Value(ESCAPE + ESCAPED_ESCAPE), output_field=TextField()
    )
    return Replace(
        escapes_escaped, Value("<"), Value(ESCAPE + ESCAPED_LESS_THAN), output_field=TextField()
    )


def fragments(headline: str, markers: Markers) -> list[Fragment]:
    """``headline`` as pieces of plain text, the matched ones marked."""
    pieces: list[Fragment] = []
    rest = _ESCAPED.sub(lambda escaped: _UNESCAPED[escaped[1]], headline)
    while rest:
        before, found, after = rest.partition(markers.start)
        if before:
            pieces.append(Fragment(before, match=False))
        if not found:
            break
        matched, _, rest = after.partition(markers.stop)
        if matched:
            pieces.append(Fragment(matched, match=True))
    return pieces


def after(messages: QuerySet[ChatMessage], rank: float, message_id: int) -> QuerySet[ChatMessage]:
    """The results that come after the one with ``rank`` and ``message_id``."""
    return messages.filter(Q(rank__lt=rank) | Q(rank=rank, id__lt=message_id))


ORDERING = (F("rank").desc(), F("id").desc())


def best(messages: QuerySet[ChatMessage], limit: int) -> list[tuple[int, float]]:
    """The ids and ranks of the ``limit`` best of ``messages``, best first. Only the id
    and the rank are sorted: for a common word that is thousands of rows, which sort in
    memory where whole rows (text, vector) spill to disk."""
    ranked = messages.order_by(*ORDERING)
    # "rank" is search_messages' annotation, which django-stubs cannot see.
    return list(ranked.values_list("pk", "rank")[:limit])  # type: ignore[misc]


def shown(messages: QuerySet[ChatMessage], ids: list[int]) -> list[ChatMessage]:
    """The messages ``ids`` (from ``best``) in that order, with their highlights (made for
    these rows only); one deleted meanwhile is left out."""
    found = messages.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
