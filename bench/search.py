"""Benchmark: message search latency (p50/p99) over 1,000,000 messages on PostgreSQL.

    LIVE_PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m bench.search
    .venv/bin/python -m bench.search --messages 100000 --runs 20     # a quicker look

A database ``wtsearch`` is created fresh (migrated as the app migrates), filled with
``--messages`` messages by one INSERT ... SELECT over generate_series (eight filler words
each from a vocabulary of 20,000), spread over ``--chats`` chats that the searching user
belongs to, and analysed; it is dropped at the end. Three planted words give the classes:
"project" in one message in 10 (common), "invoice" in one in 1,000 (medium), "zanzibar" in
one in 100,000 (rare). Each class is searched ``--runs`` times through the real endpoint
(``GET /api/search/``, in process: view, query, highlight, serializer; no HTTP server), in
all the user's chats and in one chat, first pages and, for the common word, the page after
(by its cursor). Then the same ranked query in SQL on the generated column the app uses and
on an expression index over ``to_tsvector(content)`` (``chat.search_index`` says why the
column), to show what the choice costs. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:  # `python bench/search.py` puts bench/, not the root, first
    sys.path.insert(0, str(PROJECT_DIR))

from bench.server import machine  # noqa: E402
from tests.support.live import pg_url, recreate_database  # noqa: E402
from tests.support.load import percentile  # noqa: E402

BENCH_DB = "wtsearch"
WORDS = {"common": ("project", 10), "medium": ("invoice", 1_000), "rare": ("zanzibar", 100_000)}
VOCABULARY = 20_000

FILL = """
INSERT INTO chat_chatmessage (group_chat_id, sender_id, content, created_at, seq)
SELECT chats[1 + i %% cardinality(chats)], %(sender)s,
       concat_ws(' ',
         CASE WHEN i %% 10 = 0 THEN 'project' END,
         CASE WHEN i %% 1000 = 0 THEN 'invoice' END,
         CASE WHEN i %% 100000 = 0 THEN 'zanzibar' END,
         (SELECT string_agg(translate(to_hex(1 + floor(random() * %(vocabulary)s)::int * 7919),
                                      '0123456789', 'ghijklmnop'), ' ')
            FROM generate_series(1, 8) WHERE i > 0)),
       now() - make_interval(secs => %(count)s - i),
       1 + i / cardinality(chats)
FROM generate_series(0, %(count)s - 1) AS i, (SELECT %(chats)s::bigint[] AS chats) AS c
"""

RANKED = """
SELECT id FROM chat_chatmessage
WHERE {vector} @@ plainto_tsquery('english', %s) AND deleted_at IS NULL
ORDER BY ts_rank({vector}, plainto_tsquery('english', %s)) DESC, id DESC LIMIT 21
"""


def setup_django(database: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=pg_url(database),
        SECRET_KEY="bench-search-secret-key-not-used-anywhere-else-0123456789",
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()


def fill(messages: int, chats: int) -> tuple[object, list[int]]:
    """The searching user, and the chats they belong to, with ``messages`` messages."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from chat.models import GroupChat
    from chat.services.chats import create_group_chat

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("searcher")
    chat_ids = [create_group_chat(creator=user, name=f"Chat {n}").pk for n in range(chats)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        params = {"sender": user.pk, "vocabulary": VOCABULARY, "count": messages}
        cursor.execute(FILL, {**params, "chats": chat_ids})
        cursor.execute("VACUUM ANALYZE chat_chatmessage")
    per_chat = messages // chats + 1
    GroupChat.objects.filter(pk__in=chat_ids).update(last_seq=per_chat)
    print(f"filled {messages:,} messages in {time.perf_counter() - started:.0f} s", flush=True)
    return user, chat_ids


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p99 of ``action``, in ms (after one run that reads the index from disk)."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 50), percentile(times, 99)


def endpoint_rows(user: object, chat_ids: list[int], runs: int) -> list[str]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)  # type: ignore[arg-type]
    rows = []
    for label, (word, _every) in WORDS.items():

        def first(params: dict[str, str | int]) -> Callable[[], object]:
            def action() -> object:
                response = client.get("/api/search/", params)
                assert response.status_code == 200, response.content
                return response.json()

            return action

        everywhere = first({"q": word})
        in_one = first({"q": word, "group": chat_ids[0]})
        total = f"1 in {_every:,}"
        rows.append(
            f"| {label} ({word}, {total}) | all chats, first page | " + cells(everywhere, runs)
        )
        rows.append(f"| {label} ({word}, {total}) | one chat, first page | " + cells(in_one, runs))
        if label == "common":
            next_url = everywhere()["next"]  # type: ignore[index]

            def second(url: str = next_url) -> object:
                return client.get(url).json()

            rows.append(
                f"| {label} ({word}, {total}) | all chats, second page | " + cells(second, runs)
            )
    return rows


def cells(action: Callable[[], object], runs: int) -> str:
    p50, p99 = timed(action, runs)
    return f"{p50:,.1f} | {p99:,.1f} |"


def index_rows(runs: int) -> list[str]:
    """The ranked query on the generated column, then on an expression index."""
    from django.db import connection

    def query(vector: str, word: str) -> Callable[[], object]:
        def action() -> object:
            with connection.cursor() as cursor:
                cursor.execute(RANKED.format(vector=vector), [word, word])
                return cursor.fetchall()

        return action

    results: dict[str, list[str]] = {label: [] for label in WORDS}
    column = "search_vector"
    expression = "to_tsvector('english', content)"
    for label, (word, _every) in WORDS.items():
        results[label].append(cells(query(column, word), runs))
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("DROP INDEX chat_message_search")
        cursor.execute(
            f"CREATE INDEX bench_expression ON chat_chatmessage USING GIN (({expression}))"
        )
        cursor.execute("ANALYZE chat_chatmessage")
        print(f"expression index built in {time.perf_counter() - started:.0f} s", flush=True)
    for label, (word, _every) in WORDS.items():
        results[label].append(cells(query(expression, word), runs))
    return [f"| {label} | " + " ".join(cells_) for label, cells_ in results.items()]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    recreate_database(BENCH_DB, create=True)
    try:
        setup_django(BENCH_DB)
        print(f"{machine()}; load average before: {load_average()}", flush=True)
        user, chat_ids = fill(args.messages, args.chats)
        print(
            f"\n{args.messages:,} messages in {args.chats} chats, all the searcher's; "
            f"{args.runs} runs each, ms"
        )
        print("\n| word | search | p50 | p99 |\n| --- | --- | ---: | ---: |")
        for row in endpoint_rows(user, chat_ids, args.runs):
            print(row, flush=True)
        print(
            "\nThe ranked query alone (first page, all chats), ms: "
            "generated column / expression index"
        )
        print("\n| word | column p50 | column p99 | expression p50 | expression p99 |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for row in index_rows(args.runs):
            print(row, flush=True)
        print(f"\nload average after: {load_average()}")
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(BENCH_DB, create=False)


if __name__ == "__main__":
    main()
