"""Settings read from the environment: production defaults are the safe ones."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SERVER_URL": "https://chat.example.com",
}


def bare_environment(**env: str) -> dict[str, str]:
    """Only what a fresh server process would have, plus ``env``: the test
    process's own settings variables (e.g. from config.settings_test) stay out."""
    return {"PATH": os.environ["PATH"], **env}


def settings_in_subprocess(env: dict[str, str], *names: str) -> dict[str, object]:
    """Import config.settings fresh with ``env``, as a server would at start."""
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=bare_environment(**env),
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_production_cookies_are_secure_and_origin_is_the_server_url() -> None:
    values = settings_in_subprocess(
        PRODUCTION,
        "AUTH_COOKIE_SECURE",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "WEBSOCKET_ALLOWED_ORIGINS",
    )
    assert values == {
        "AUTH_COOKIE_SECURE": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "WEBSOCKET_ALLOWED_ORIGINS": ["https://chat.example.com"],
    }


@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        ({}, ["http://localhost:8000", "http://127.0.0.1:8000"]),
        # bin/dev's SERVER_URL follows PORT; the twin follows it too.
        (
            {"SERVER_URL": "http://localhost:9000"},
            ["http://localhost:9000", "http://127.0.0.1:9000"],
        ),
        (
            {"SERVER_URL": "http://127.0.0.1:9000"},
            ["http://127.0.0.1:9000", "http://localhost:9000"],
        ),
        # HOST=0.0.0.0 with a LAN address: the server's own machine opens it at the
        # loopback names, on the same port, too.
        (
            {"SERVER_URL": "http://192.168.1.20:8000"},
            ["http://192.168.1.20:8000", "http://localhost:8000", "http://127.0.0.1:8000"],
        ),
        (
            {"WEBSOCKET_ALLOWED_ORIGINS": "https://chat.example.com,http://localhost:3000"},
            [
                "https://chat.example.com",
                "http://localhost:3000",
                "http://127.0.0.1:3000",
                "http://localhost:8000",
                "http://127.0.0.1:8000",
            ],
        ),
    ],
)
def test_development_allows_the_page_at_both_loopback_names(
    env: dict[str, str], allowed: list[str]
) -> None:
    """bin/dev listens on 127.0.0.1 and prints localhost: a page at either opens sockets."""
    values = settings_in_subprocess({"DEBUG": "true", **env}, "WEBSOCKET_ALLOWED_ORIGINS")
    assert values["WEBSOCKET_ALLOWED_ORIGINS"] == allowed


def test_production_allows_exactly_the_origins_set() -> None:
    values = settings_in_subprocess(
        {**PRODUCTION, "SERVER_URL": "http://localhost:8000"}, "WEBSOCKET_ALLOWED_ORIGINS"
    )
    assert values["WEBSOCKET_ALLOWED_ORIGINS"] == ["http://localhost:8000"]


def test_origins_are_written_as_a_browser_writes_its_origin() -> None:
    """The pages compare their own origin with these strings exactly."""
    values = settings_in_subprocess(
        {**PRODUCTION, "SERVER_URL": "HTTPS://Chat.Example.com:443/"},
        "SERVER_URL",
        "WEBSOCKET_ALLOWED_ORIGINS",
        "ALLOWED_HOSTS",
    )
    assert values == {
        "SERVER_URL": "https://chat.example.com",
        "WEBSOCKET_ALLOWED_ORIGINS": ["https://chat.example.com"],
        "ALLOWED_HOSTS": ["chat.example.com", "localhost", "127.0.0.1"],
    }


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "chat.example.com",
        ".example.com",
        "https://*.example.com",
        "https://chat.example.com/app",
        "ws://chat.example.com",
        "https://user@chat.example.com",
        "https://chat.example.com:99999",
    ],
)
def test_an_origin_that_is_not_exact_is_refused(origin: str) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess({**PRODUCTION, "WEBSOCKET_ALLOWED_ORIGINS": origin}, "DEBUG")
    assert f"WEBSOCKET_ALLOWED_ORIGINS: {origin!r} is not an origin" in failure.value.stderr


def test_check_deploy_passes_with_production_values() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=bare_environment(**PRODUCTION, DJANGO_SETTINGS_MODULE="config.settings"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_production_refuses_to_start() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess({"DEBUG": "false"}, "DEBUG")
    assert "SECRET_KEY must be set when DEBUG is off" in failure.value.stderr


def test_a_malformed_boolean_is_refused() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess({**PRODUCTION, "DEBUG": "maybe"}, "DEBUG")
    assert "DEBUG='maybe' is not a boolean" in failure.value.stderr


def test_healthz_answers_without_credentials() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies


def test_redis_reads_outlast_the_layers_blocking_pop() -> None:
    """redis-py's default 5 s read timeout equals channels-redis's blocking pop,
    so an idle worker's pop timed out and killed its consumers (close 1011)."""
    from channels_redis.core import RedisChannelLayer

    values = settings_in_subprocess(
        {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}, "CHANNEL_LAYERS"
    )
    layer = values["CHANNEL_LAYERS"]["default"]  # type: ignore[index]
    assert layer["BACKEND"] == "config.channel_layers.ShardedRedisChannelLayer"
    (host,) = layer["CONFIG"]["hosts"]
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout
    assert host["max_connections"] >= 500
    # Stale pooled connections after a Redis restart are retried, not fatal.
    assert "redis.exceptions.ConnectionError" in str(host["retry_on_error"])


POSTGRES = {**PRODUCTION, "DATABASE_URL": "postgres://chat:secret@db.example.com:5432/chat"}


def test_production_postgres_connections_are_pooled_and_never_kept_per_thread() -> None:
    """Under ASGI a connection kept per thread (CONN_MAX_AGE > 0) is never reused: they
    pile up, one per request thread, until PostgreSQL refuses more. Connections close
    with the request and go back to a bounded pool instead."""
    database = settings_in_subprocess(POSTGRES, "DATABASES")["DATABASES"]["default"]  # type: ignore[index]
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10}


def test_the_pool_is_sized_from_the_environment_or_turned_off() -> None:
    sized = settings_in_subprocess(
        {**POSTGRES, "DATABASE_POOL_MAX_SIZE": "4", "DATABASE_POOL_MIN_SIZE": "8"}, "DATABASES"
    )
    assert sized["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 4  # type: ignore[index]
    assert sized["DATABASES"]["default"]["OPTIONS"]["pool"]["min_size"] == 4  # type: ignore[index]
    off = settings_in_subprocess({**POSTGRES, "DATABASE_POOL_MAX_SIZE": "0"}, "DATABASES")
    database = off["DATABASES"]["default"]  # type: ignore[index]
    assert "pool" not in database.get("OPTIONS", {})
    assert database["CONN_MAX_AGE"] == 0


def test_consumers_database_threads_fit_in_the_pool() -> None:
    """Consumers' database work runs on 4 threads on pooled PostgreSQL (fewer with a
    smaller pool, leaving HTTP requests a connection), on channels' one thread with
    SQLite, and a count the pool cannot hold is refused."""

    def threads(environment: dict[str, str]) -> object:
        return settings_in_subprocess(environment, "REALTIME")["REALTIME"]["DATABASE_THREADS"]  # type: ignore[index]

    assert threads(POSTGRES) == 4
    assert threads({**POSTGRES, "DATABASE_POOL_MAX_SIZE": "3"}) == 2
    assert threads(PRODUCTION) == 0
    with pytest.raises(subprocess.CalledProcessError) as failure:
        threads({**POSTGRES, "REALTIME_DATABASE_THREADS": "10"})
    assert "REALTIME_DATABASE_THREADS must be below DATABASE_POOL_MAX_SIZE" in failure.value.stderr


def test_a_kept_connection_with_the_pool_is_refused() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess({**POSTGRES, "DATABASE_CONN_MAX_AGE": "60"}, "DATABASES")
    assert "DATABASE_CONN_MAX_AGE must be 0 with the connection pool" in failure.value.stderr


def test_a_workers_channel_holds_more_than_a_burst_of_group_messages() -> None:
    """The core layer drops a group message for a whole worker once that worker's
    one channel holds ``capacity`` messages: channels-redis's default of 100 is about a
    second of a busy chat's deliveries (docs/operations.md, "A worker's backlog")."""
    from channels_redis.core import RedisChannelLayer

    values = settings_in_subprocess(
        {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}, "CHANNEL_LAYERS"
    )
    config = values["CHANNEL_LAYERS"]["default"]["CONFIG"]  # type: ignore[index]
    layer = RedisChannelLayer(
        hosts=config["hosts"],
        capacity=config["capacity"],
        channel_capacity=config["channel_capacity"],
    )
    # A socket's channel, as the layer names them: "specific.<worker>!<socket>".
    assert layer.get_capacity("specific.0123abcd!4567ef") == 1000
    assert layer.get_capacity("other") == 100


def test_the_channel_layer_backend_is_chosen_by_name() -> None:
    redis = {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    pubsub = settings_in_subprocess({**redis, "CHANNEL_LAYER_BACKEND": "pubsub"}, "CHANNEL_LAYERS")
    layer = pubsub["CHANNEL_LAYERS"]["default"]  # type: ignore[index]
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert layer["CONFIG"]["hosts"][0]["socket_timeout"] == 10
    with pytest.raises(subprocess.CalledProcessError) as refused:
        settings_in_subprocess({**redis, "CHANNEL_LAYER_BACKEND": "kafka"}, "CHANNEL_LAYERS")
    assert "expected core or pubsub" in refused.value.stderr
    custom = settings_in_subprocess(
        {**redis, "CHANNEL_LAYER_CAPACITY": "50", "CHANNEL_LAYER_WORKER_CAPACITY": "5000"},
        "CHANNEL_LAYERS",
    )
    config = custom["CHANNEL_LAYERS"]["default"]["CONFIG"]  # type: ignore[index]
    assert (config["capacity"], config["channel_capacity"]) == (50, {"specific.*": 5000})


def test_the_old_compose_placeholder_key_is_refused_outside_debug() -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess(
            {**PRODUCTION, "SECRET_KEY": "compose-local-only-not-a-secret-change-me-0123456789"},
            "DEBUG",
        )
    assert "placeholder published in this repository" in failure.value.stderr


def test_check_deploy_flags_a_published_secret_key() -> None:
    # With DEBUG on the settings load, so the deployment check is what says it.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=bare_environment(
            DEBUG="true",
            SECRET_KEY="compose-local-only-not-a-secret-change-me-0123456789",
            DJANGO_SETTINGS_MODULE="config.settings",
        ),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr + result.stdout


def test_compose_has_no_fallback_key_and_publishes_on_loopback() -> None:
    """Only the proxy publishes a port, on 127.0.0.1 unless PROXY_ADDRESS says otherwise."""
    services = YAML(typ="safe").load((ROOT / "compose.yaml").read_text())["services"]
    assert services["web"]["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
    published = {name: service.get("ports", []) for name, service in services.items()}
    assert {name for name, ports in published.items() if ports} == {"proxy"}
    assert [port.startswith("${PROXY_ADDRESS:-127.0.0.1}:") for port in published["proxy"]] == [
        True
    ]


def test_throttle_counts_are_in_redis_when_there_is_one_and_limits_come_from_the_environment() -> (
    None
):
    with_redis = settings_in_subprocess(
        {**PRODUCTION, "REDIS_URL": "redis://redis:6379/0", "THROTTLE_LOGIN_ADDRESS": "7/min"},
        "CACHES",
        "AUTH_THROTTLE_RATES",
    )
    assert with_redis["CACHES"] == {
        "default": {
            "BACKEND": "config.caches.FallbackRedisCache",
            "LOCATION": "redis://redis:6379/0",
            "KEY_PREFIX": "cache",
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    rates = with_redis["AUTH_THROTTLE_RATES"]
    assert isinstance(rates, dict)
    assert rates["login.address"] == "7/min"
    assert rates["login.username"] == "10/min"
    embedded = settings_in_subprocess(PRODUCTION, "CACHES")
    assert embedded["CACHES"] == {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }


def test_the_layer_shards_over_every_url_in_redis_urls() -> None:
    """REDIS_URLS: one host entry per Redis, each with the same connection settings,
    and channels-redis hashes channels and groups over them."""
    from channels_redis.core import RedisChannelLayer

    urls = ["redis://redis-a:6379/0", "redis://redis-b:6379/0"]
    for backend in ("core", "pubsub"):
        values = settings_in_subprocess(
            {
                **PRODUCTION,
                "REDIS_URLS": f" {urls[0]}, {urls[1]} ",
                "CHANNEL_LAYER_BACKEND": backend,
            },
            "CHANNEL_LAYERS",
        )
        hosts = values["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]  # type: ignore[index]
        assert [host["address"] for host in hosts] == urls
        assert all(host["socket_timeout"] == 10 for host in hosts)
    layer = RedisChannelLayer(hosts=[{"address": url} for url in urls])
    shards = {layer.consistent_hash(f"chat_{number}") for number in range(50)}
    assert shards == {0, 1}


def test_sentinel_names_the_master_and_every_sentinel() -> None:
    values = settings_in_subprocess(
        {
            **PRODUCTION,
            "REDIS_SENTINELS": "sentinel-1:26379,[::1]:26380",
            "REDIS_SENTINEL_MASTER": "chat",
        },
        "CHANNEL_LAYERS",
    )
    (host,) = values["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]  # type: ignore[index]
    assert host["sentinels"] == [["sentinel-1", 26379], ["::1", 26380]]
    assert host["master_name"] == "chat"
    assert host["socket_timeout"] == 10
    assert "address" not in host


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        (
            {"REDIS_URL": "redis://a:6379/0", "REDIS_URLS": "redis://b:6379/0"},
            "set one of REDIS_URL, REDIS_URLS and REDIS_SENTINELS",
        ),
        ({"REDIS_SENTINELS": "s:26379"}, "REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together"),
        (
            {"REDIS_SENTINEL_MASTER": "chat"},
            "REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together",
        ),
        (
            {"REDIS_SENTINELS": "sentinel-1", "REDIS_SENTINEL_MASTER": "chat"},
            "REDIS_SENTINELS: 'sentinel-1' is not host:port",
        ),
    ],
)
def test_ambiguous_redis_settings_are_refused(environment: dict[str, str], refusal: str) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess({**PRODUCTION, **environment}, "CHANNEL_LAYERS")
    assert refusal in failure.value.stderr


def test_a_specific_channel_is_sent_to_the_shard_its_process_reads() -> None:
    """channels-redis 4.3 hashes a specific channel's full name to send and its process
    part to receive; over two hosts the readiness probe's message went unread."""
    from channels_redis.core import RedisChannelLayer

    from config.channel_layers import ShardedRedisChannelLayer

    hosts = [{"address": "redis://redis-a:6379/0"}, {"address": "redis://redis-b:6379/0"}]
    names = [
        f"specific.{process:04x}!{socket:04x}" for process in range(20) for socket in range(20)
    ]
    fixed, upstream = ShardedRedisChannelLayer(hosts=hosts), RedisChannelLayer(hosts=hosts)
    for name in names:
        process = name.partition("!")[0] + "!"
        assert fixed.consistent_hash(name) == fixed.consistent_hash(process)
        assert fixed.consistent_hash(process) == upstream.consistent_hash(process)
    # The upstream mismatch this works around; once fixed there, drop the subclass.
    assert any(
        upstream.consistent_hash(name) != upstream.consistent_hash(name.partition("!")[0] + "!")
        for name in names
    )
    # Groups keep their shard.
    assert all(
        fixed.consistent_hash(f"chat_{n}") == upstream.consistent_hash(f"chat_{n}")
        for n in range(50)
    )


def test_trusted_proxies_are_addresses_or_networks_and_nobody_by_default() -> None:
    values = settings_in_subprocess(
        {**PRODUCTION, "TRUSTED_PROXIES": " 172.30.87.0/24, 10.0.0.7,2001:db8::/64 "},
        "TRUSTED_PROXIES",
    )
    assert values["TRUSTED_PROXIES"] == ["172.30.87.0/24", "10.0.0.7/32", "2001:db8::/64"]
    assert settings_in_subprocess(PRODUCTION, "TRUSTED_PROXIES") == {"TRUSTED_PROXIES": []}


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"TRUSTED_PROXIES": "*"}, "TRUSTED_PROXIES: '*' is not an IP address or network"),
        ({"TRUSTED_PROXIES": "proxy"}, "TRUSTED_PROXIES: 'proxy' is not an IP address"),
        ({"TRUSTED_PROXIES": "10.0.0.1/8"}, "'10.0.0.1/8' is not an IP address or network"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8,0.0.0.0/0"}, "'0.0.0.0/0' trusts every address"),
        ({"TRUSTED_PROXIES": "::/0"}, "'::/0' trusts every address"),
        ({"NUM_PROXIES": "1"}, "NUM_PROXIES is not read: set TRUSTED_PROXIES"),
    ],
)
def test_a_proxy_setting_that_would_trust_anyone_is_refused(
    environment: dict[str, str], refusal: str
) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_in_subprocess({**PRODUCTION, **environment}, "TRUSTED_PROXIES")
    assert refusal in failure.value.stderr


def test_compose_trusts_the_proxys_network_only() -> None:
    """The web containers believe X-Forwarded-For from the project's own network, the one
    compose puts the proxy on: never from anywhere."""
    compose = YAML(typ="safe").load((ROOT / "compose.yaml").read_text())
    (network,) = compose["networks"]["default"]["ipam"]["config"]
    trusted = compose["services"]["web"]["environment"]["TRUSTED_PROXIES"]
    assert trusted == network["subnet"] == "${NETWORK_SUBNET:-172.30.87.0/24}"
    assert "networks" not in compose["services"]["proxy"]  # on the default network


def test_password_hashes_at_once_and_their_wait_come_from_the_environment() -> None:
    names = ("PASSWORD_HASHES_AT_ONCE", "PASSWORD_HASH_WAIT_SECONDS", "PASSWORD_HASHERS")
    shipped = settings_in_subprocess(PRODUCTION, *names)
    assert (shipped["PASSWORD_HASHES_AT_ONCE"], shipped["PASSWORD_HASH_WAIT_SECONDS"]) == (1, 2.0)
    hashers = shipped["PASSWORD_HASHERS"]
    assert isinstance(hashers, list)
    assert hashers[0] == "accounts.hashing.BoundedPBKDF2PasswordHasher"
    chosen = settings_in_subprocess(
        {**PRODUCTION, "PASSWORD_HASHES_AT_ONCE": "3", "PASSWORD_HASH_WAIT_SECONDS": "0.5"}, *names
    )
    assert (chosen["PASSWORD_HASHES_AT_ONCE"], chosen["PASSWORD_HASH_WAIT_SECONDS"]) == (3, 0.5)
    for wrong, refusal in (
        ({"PASSWORD_HASHES_AT_ONCE": "0"}, "PASSWORD_HASHES_AT_ONCE must be at least 1"),
        (
            {"PASSWORD_HASH_WAIT_SECONDS": "soon"},
            "PASSWORD_HASH_WAIT_SECONDS='soon' is not a number",
        ),
    ):
        with pytest.raises(subprocess.CalledProcessError) as failure:
            settings_in_subprocess({**PRODUCTION, **wrong}, *names)
        assert refusal in failure.value.stderr


def test_attachments_may_be_stored_by_another_storage_class() -> None:
    """An S3-compatible bucket through django-storages, say: its class and options."""
    options = {"bucket_name": "chat", "endpoint_url": "http://minio:9000"}
    env = {
        **PRODUCTION,
        "MEDIA_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "MEDIA_STORAGE_OPTIONS": json.dumps(options),
    }

    storages = settings_in_subprocess(env, "STORAGES")["STORAGES"]

    assert isinstance(storages, dict)
    assert storages["default"] == {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
