"""Project settings.

Every value that differs between a laptop, CI and production is read from the
environment here and nowhere else. Without any environment the project runs
embedded: SQLite and the in-memory channel layer, DEBUG off unless asked for.
"""

import ipaddress
import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
Number = TypeVar("Number", int, float)


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean such as ``DEBUG=true``; refuse anything ambiguous."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list such as ``ALLOWED_HOSTS=a.example,b.example``."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_number(name: str, default: Number, parse: Callable[[str], Number], kind: str) -> Number:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not {kind}") from exc


def env_int(name: str, default: int) -> int:
    return env_number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return env_number(name, default, float, "a number")


DEBUG = env_bool("DEBUG", default=False)

# Keys written in this repository (its history included), so known to anyone: with one
# of them a stranger signs valid JWTs. A fallback compose.yaml once carried, and the
# development key below.
PUBLISHED_SECRET_KEYS = frozenset(
    {
        "compose-local-only-not-a-secret-change-me-0123456789",
        "django-insecure-local-development-only-never-in-production",
    }
)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105 - DEBUG only
if not DEBUG and SECRET_KEY in PUBLISHED_SECRET_KEYS:
    raise ImproperlyConfigured(
        "SECRET_KEY is a placeholder published in this repository: anyone could forge "
        "tokens with it. Set a long random one, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

_DEFAULT_PORTS = {"http": 80, "https": 443}
# The names of this machine that a development server answers at, all at once.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def exact_origin(name: str, value: str) -> str:
    """``value`` as a browser writes its ``Origin``: ``scheme://host[:port]``, lower case,
    the scheme's default port left out. Anything else is refused: a pattern or ``*``
    would let other sites' pages in, and the pages compare their own origin with
    these strings exactly (``WEBSOCKET_ALLOWED_ORIGINS`` rendered into them)."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*|[0-9a-f:.]*:[0-9a-f:.]*", host)
        or port == -1
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ImproperlyConfigured(
            f"{name}: {value!r} is not an origin: scheme://host[:port], e.g. "
            "https://chat.example.com (no path, no pattern, no *)"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}"


def with_loopback_twins(origins: list[str], server_url: str) -> list[str]:
    """Each origin, and after one on a loopback name the same scheme and port under the
    other names: a development server on 127.0.0.1:8000 is http://localhost:8000 too.
    The server's own port is reachable at the loopback names whatever ``server_url``
    names (a server bound to every interface and opened at a LAN address answers at
    http://localhost:<port> on its own machine as well)."""
    server = urlsplit(server_url)
    at_server_port = f"{server.scheme}://{LOOPBACK_HOSTS[0]}" + (
        f":{server.port}" if server.port else ""
    )
    result: list[str] = []
    for origin in [*origins, at_server_port]:
        parts = urlsplit(origin)
        twins = [origin]
        if parts.hostname in LOOPBACK_HOSTS:
            port = f":{parts.port}" if parts.port else ""
            twins += [f"{parts.scheme}://{name}{port}" for name in LOOPBACK_HOSTS]
        for twin in twins:
            if twin not in result:
                result.append(twin)
    return result


# The site's own origin (scheme://host[:port]). The WebSocket Origin check and
# the CSRF check trust it, and the tests send it as their Origin header.
SERVER_URL = exact_origin("SERVER_URL", os.environ.get("SERVER_URL", "http://localhost:8000"))
# Its host as ALLOWED_HOSTS writes it (IPv6 in brackets): the origin without its port.
_server_host = re.sub(r":\d+$", "", SERVER_URL.partition("://")[2])

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=list(dict.fromkeys([_server_host, *LOOPBACK_HOSTS]))
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[SERVER_URL])
# Origins a browser may open a WebSocket from, exactly. Never "*": cookies ride along
# with every handshake, so this list is what stops cross-site hijacking. In
# development (DEBUG) a loopback origin brings its twins (localhost <-> 127.0.0.1, same
# port), and SERVER_URL's port is allowed at both loopback names, so that bin/dev's page
# works at either address, and on its own machine too when it is opened at a LAN address;
# in production only what is set.
WEBSOCKET_ALLOWED_ORIGINS = [
    exact_origin("WEBSOCKET_ALLOWED_ORIGINS", origin)
    for origin in env_list("WEBSOCKET_ALLOWED_ORIGINS", default=[SERVER_URL])
]
if DEBUG:
    WEBSOCKET_ALLOWED_ORIGINS = with_loopback_twins(WEBSOCKET_ALLOWED_ORIGINS, SERVER_URL)

INSTALLED_APPS = [
    "daphne",  # first, so that `runserver` serves ASGI (HTTP and WebSocket)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files
    "accounts",
    "realtime",
    "chat",
    "config.apidocs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",  # before WhiteNoise: static files too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 503 with Retry-After when every password-hashing slot stays taken (accounts/hashing.py).
    "accounts.hashing.PasswordHashingBusyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Under ASGI each HTTP request runs its sync code on a thread of its own, so a
# persistent connection (CONN_MAX_AGE > 0) is never reused: it stays open, idle, one
# per thread, until PostgreSQL refuses new clients (docs/benchmarks.md, "REST and
# database connections"). So connections close when the request ends (CONN_MAX_AGE 0)
# and, on PostgreSQL, go back to a pool of at most DATABASE_POOL_MAX_SIZE per worker
# process (psycopg's pool, Django's OPTIONS["pool"]): the most a deployment opens is
# DATABASE_POOL_MAX_SIZE x workers, which must stay below PostgreSQL's max_connections.
# DATABASE_POOL_MAX_SIZE=0 turns the pool off (one connection per request).
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 0)
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 10)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=DATABASE_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
_POOLED = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and bool(
    DATABASE_POOL_MAX_SIZE
)
if _POOLED:
    if DATABASE_CONN_MAX_AGE:
        raise ImproperlyConfigured(
            "DATABASE_CONN_MAX_AGE must be 0 with the connection pool "
            "(set DATABASE_POOL_MAX_SIZE=0 to turn the pool off)"
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env_int("DATABASE_POOL_MIN_SIZE", 2), DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # How long a request waits for a free connection before failing.
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }

# Where the channel layer's Redis is; at most one of the three forms:
#   REDIS_URL             one Redis, e.g. redis://redis:6379/0
#   REDIS_URLS            several, comma-separated: channels-redis shards channels
#                         and groups over them by a hash of the name (each group
#                         lives on one shard; every worker talks to every shard)
#   REDIS_SENTINELS       host:port of each Sentinel, comma-separated, with
#   REDIS_SENTINEL_MASTER the name they monitor: the layer asks them for the
#                         master, and again after a failover
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_URLS = env_list("REDIS_URLS", [])
REDIS_SENTINELS = env_list("REDIS_SENTINELS", [])
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "").strip()
if sum(map(bool, (REDIS_URL, REDIS_URLS, REDIS_SENTINELS))) > 1:
    raise ImproperlyConfigured("set one of REDIS_URL, REDIS_URLS and REDIS_SENTINELS")
if bool(REDIS_SENTINELS) != bool(REDIS_SENTINEL_MASTER):
    raise ImproperlyConfigured("REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together")


def sentinel_address(entry: str) -> tuple[str, int]:
    """``host:port`` of one Sentinel (``REDIS_SENTINELS``)."""
    host, _, port = entry.rpartition(":")
    if not host or not port.isdigit():
        raise ImproperlyConfigured(f"REDIS_SENTINELS: {entry!r} is not host:port")
    return host.strip("[]"), int(port)  # [::1]:26379 is IPv6


# Which channels-redis layer carries group messages (only with Redis):
#   core    RedisChannelLayer: messages wait in Redis lists, one per worker process
#   pubsub  RedisPubSubChannelLayer: Redis PUBLISH, one per group message
CHANNEL_LAYER_BACKEND = os.environ.get("CHANNEL_LAYER_BACKEND", "").strip() or "core"
# The core layer keeps ONE Redis list per worker process for all of its sockets'
# channels ("specific.<worker>!<socket>"); a group message is one entry there (naming
# the worker's member sockets), taken off by the worker's receive loop, which delivers
# it to each of them. When a worker falls ``capacity`` entries behind, group_send drops
# the message for all its sockets at once ("over capacity", in the log only; the pages
# fetch it from the history once they see the hole). Entries older than the layer's
# 60 s expiry are dropped anyway. How far behind a worker falls is set by its delivery
# rate, not by how fast messages are saved: the sizing of CHANNEL_LAYER_WORKER_CAPACITY,
# with the measured rates, is in docs/operations.md ("A worker's backlog").
# Each socket's in-process buffer (and any other channel) keeps CHANNEL_LAYER_CAPACITY.
CHANNEL_LAYER_CAPACITY = env_int("CHANNEL_LAYER_CAPACITY", 100)
CHANNEL_LAYER_WORKER_CAPACITY = env_int("CHANNEL_LAYER_WORKER_CAPACITY", 1000)
# The core layer drops a member from a group this long after it last joined it (its
# score in the group's sorted set), at the next message to the group; every socket
# joins its groups again every third of it (realtime/membership.py), so a live socket
# never lapses, and one whose leave never reached Redis (a killed worker, a failed
# call) gets nothing more than this long after it went. channels-redis's default is a
# day.
CHANNEL_LAYER_GROUP_EXPIRY = env_int("CHANNEL_LAYER_GROUP_EXPIRY", 90)
if REDIS_URL or REDIS_URLS or REDIS_SENTINELS:
    from redis.exceptions import ConnectionError as RedisConnectionError

    _redis_connection: dict[str, object] = {
        # The core layer blocks on Redis for up to 5 s waiting for messages, and
        # redis-py reads with a 5 s timeout by default: an idle worker's wait would
        # time out and its consumers die (close 1011). Stay above 5.
        "socket_timeout": 10,
        # Sockets opening at once each take a connection for their first commands:
        # redis-py's default pool of 100 runs out (HTTP 500s) when hundreds do.
        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000),
        # After a Redis restart every pooled connection is dead: retry a
        # command once on a fresh connection instead of failing the consumer.
        "retry_on_error": [RedisConnectionError],
    }
    _redis_hosts: list[dict[str, object]]
    if REDIS_SENTINELS:
        _redis_hosts = [
            {
                "sentinels": [sentinel_address(entry) for entry in REDIS_SENTINELS],
                "master_name": REDIS_SENTINEL_MASTER,
                # Asking a Sentinel is quick; one that does not answer is skipped.
                "sentinel_kwargs": {"socket_timeout": 2},
                **_redis_connection,
            }
        ]
    else:
        _redis_hosts = [{"address": url, **_redis_connection} for url in REDIS_URLS or [REDIS_URL]]
    _prefix = os.environ.get("CHANNEL_LAYER_PREFIX", "asgi")
    if CHANNEL_LAYER_BACKEND == "core":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "config.channel_layers.ShardedRedisChannelLayer",
                "CONFIG": {
                    "hosts": _redis_hosts,
                    "prefix": _prefix,
                    "capacity": CHANNEL_LAYER_CAPACITY,
                    "channel_capacity": {"specific.*": CHANNEL_LAYER_WORKER_CAPACITY},
                    "group_expiry": CHANNEL_LAYER_GROUP_EXPIRY,
                },
            }
        }
    elif CHANNEL_LAYER_BACKEND == "pubsub":
        # No capacity: a worker keeps an unbounded in-process queue per socket, and a
        # message published while Redis is away is lost (nothing waits in Redis).
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": _redis_hosts, "prefix": _prefix},
            }
        }
    else:
        raise ImproperlyConfigured(
            f"CHANNEL_LAYER_BACKEND={CHANNEL_LAYER_BACKEND!r}: expected core or pubsub"
        )
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Django's cache holds the login, sign-up and refresh throttles' counts (accounts/throttles.py)
# and who is online in each chat (chat/presence.py): in Redis when there is one, so that
# every worker process counts together. Nothing in it is a source of truth: while Redis
# cannot be reached each worker answers from its own memory (config/caches.py), so a
# Redis outage never fails a request. redis-py waits forever by default; a Redis that
# does not answer within a second counts as unreachable.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.caches.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "cache"),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Limits on the endpoints that check a password or a refresh token, per client address and
# per username, "<requests>/<s|min|hour|day>"; THROTTLE_LOGIN_ADDRESS=50/min and so on.
_AUTH_THROTTLE_DEFAULTS = {
    "login.address": "30/min",
    "login.username": "10/min",
    "signup.address": "20/hour",
    "signup.username": "10/hour",
    "refresh.address": "60/min",
    "refresh.username": "30/min",
    # Opening and joining by invite links (a link's token is a credential too).
    "invite.address": "60/min",
}
AUTH_THROTTLE_RATES = {
    scope: os.environ.get("THROTTLE_" + scope.replace(".", "_").upper(), "") or rate
    for scope, rate in _AUTH_THROTTLE_DEFAULTS.items()
}


def trusted_proxies(entries: list[str]) -> list[str]:
    """``TRUSTED_PROXIES``: each an IP address or network; never one that spans every
    address (a client could then name any address it likes)."""
    networks = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network ({exc})"
            ) from None
        if network.prefixlen == 0:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} trusts every address: name the proxies' network"
            )
        networks.append(str(network))
    return networks


# The proxies in front of daphne (addresses or networks, comma-separated). A request or
# handshake whose peer is one of them comes from the address X-Forwarded-For gives: the
# last one in it that is not itself a trusted proxy (config/asgi.py). Every per-address
# rule (the throttles, logs) sees that address as REMOTE_ADDR and the WebSocket scope's
# "client". From any other peer the header is ignored. Empty: trust nobody.
TRUSTED_PROXIES = trusted_proxies(env_list("TRUSTED_PROXIES", []))
if os.environ.get("NUM_PROXIES", "").strip():
    raise ImproperlyConfigured(
        "NUM_PROXIES is not read: set TRUSTED_PROXIES to the proxies' addresses instead"
    )

AUTH_USER_MODEL = "accounts.User"
# Django's hashers, with PBKDF2 (the first: every new hash) bounded per worker process:
# at most PASSWORD_HASHES_AT_ONCE hashes at once, a request that waits longer than
# PASSWORD_HASH_WAIT_SECONDS for a slot gets 503 and Retry-After (accounts/hashing.py).
# A hash takes a core for a fraction of a second; a login flood over many addresses
# must not take every core from the other requests.
PASSWORD_HASHERS = [
    "accounts.hashing.BoundedPBKDF2PasswordHasher",
    *(
        hasher
        for hasher in global_settings.PASSWORD_HASHERS
        if hasher != "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    ),
]
PASSWORD_HASHES_AT_ONCE = env_int("PASSWORD_HASHES_AT_ONCE", 1)
PASSWORD_HASH_WAIT_SECONDS = env_float("PASSWORD_HASH_WAIT_SECONDS", 2.0)
if PASSWORD_HASHES_AT_ONCE < 1:
    raise ImproperlyConfigured("PASSWORD_HASHES_AT_ONCE must be at least 1")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Where attachments are stored: the file system under MEDIA_ROOT by default, or any
# Django storage class with its options as JSON, e.g. django-storages' S3 one
# (docs/operations.md, "Attachments").
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE_BACKEND", "").strip()
        or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": json.loads(os.environ.get("MEDIA_STORAGE_OPTIONS", "").strip() or "{}"),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.storage.StaticFilesStorage"
        )
    },
}

# Attachments (chat.services.attachments) are stored through the default storage above:
# files under MEDIA_ROOT, never served from it directly (every download goes through the
# app, which checks membership: docs/operations.md, "Attachments").
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", "").strip() or BASE_DIR / "media")
# The largest file a member may attach, in bytes; a bigger one is refused before it is
# stored whole (chat.uploads). The proxy's own limit (config/haproxy.cfg) must allow it.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
# What may be attached, by the type read from the content (chat.filetypes): of
# image/png, image/jpeg, image/gif, image/webp, application/pdf, application/zip and
# text/plain. HTML, SVG and scripts are refused whatever this says.
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "application/zip",
        "text/plain",
    ],
)
# Uploads not sent with a message after this many hours are deleted by
# `manage.py purge_unsent_attachments` (run it from cron or a scheduler).
ATTACHMENT_UNSENT_HOURS = env_int("ATTACHMENT_UNSENT_HOURS", 24)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTCookieAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the browsable API's HTML carries inline styles and scripts that the
    # Content-Security-Policy blocks (a form posted to the API would show it).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Django's ValidationError from a service is a 400, in every app's views.
    "EXCEPTION_HANDLER": "config.exceptions.exception_handler",
    # The client address is REMOTE_ADDR, which config/asgi.py sets from a trusted
    # proxy's X-Forwarded-For (TRUSTED_PROXIES); DRF must not read the header again.
    "NUM_PROXIES": 0,
    # The OpenAPI schema (config/apidocs): drf-spectacular's, plus what every view here shares.
    "DEFAULT_SCHEMA_CLASS": "config.apidocs.schema.AutoSchema",
}

# The OpenAPI schema at /api/schema/ and its docs page at /api/docs/ (config/apidocs).
SPECTACULAR_SETTINGS = {
    "TITLE": "Channels chat REST API",
    "DESCRIPTION": (
        "Group chats, their members and their history, and the JWT-cookie login. "
        "The WebSocket protocol is described by the AsyncAPI document at /api/asyncapi.json."
    ),
    "VERSION": "1",
    # The schema describes the API; it does not list its own endpoint.
    "SERVE_INCLUDE_SCHEMA": False,
    # Public, and read no cookie: an expired access cookie must not make it a 401.
    "SERVE_AUTHENTICATION": [],
    # Read-only fields (ids, dates) left out of request bodies.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Cookies go along with "Try it out": log in on the site first.
    "SWAGGER_UI_SETTINGS": {"withCredentials": True},
    # The ids in URLs (chat.converters): integers up to the largest bigint.
    "PATH_CONVERTER_OVERRIDES": {"rowid": {"type": "integer", "maximum": 2**63 - 1}},
}

# How long an access token lives; a socket opened with Django's session cookie (which
# carries no expiry of its own) reconnects after as long.
JWT_ACCESS_MINUTES = env_int("JWT_ACCESS_MINUTES", 15)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Every token carries a hash of the password it was issued under: a password change
    # (any way: the page, the admin, changepassword) refuses all earlier tokens.
    "CHECK_REVOKE_TOKEN": True,
}

# Where the JWTs live in the browser: HttpOnly cookies, never the page's JS.
AUTH_COOKIE_ACCESS = "jwt_auth_cookie"
AUTH_COOKIE_REFRESH = "jwt_auth_refresh_cookie"
# The refresh token is only ever needed by the auth endpoints.
AUTH_COOKIE_REFRESH_PATH = "/api/auth/"
AUTH_COOKIE_SECURE = env_bool("AUTH_COOKIE_SECURE", default=not DEBUG)

# The WebSocket consumer layer reads REALTIME with defaults (realtime/settings.py);
# the bounds on one socket's and one user's work come from the environment. The test
# settings add the completion markers.
REALTIME_DATABASE_THREADS = env_int(
    "REALTIME_DATABASE_THREADS", min(4, DATABASE_POOL_MAX_SIZE - 1) if _POOLED else 0
)
REALTIME: dict[str, object] = {
    "MAX_FRAME_CHARS": env_int("REALTIME_MAX_FRAME_CHARS", 32 * 1024),
    "MAX_IN_FLIGHT": env_int("REALTIME_MAX_IN_FLIGHT", 8),
    "MAX_SOCKETS_PER_USER": env_int("REALTIME_MAX_SOCKETS_PER_USER", 10),
    "HANDSHAKES_AT_ONCE": env_int("REALTIME_HANDSHAKES_AT_ONCE", 2),
    # Joining and leaving channel-layer groups (realtime/membership.py): at most this
    # many calls at once per worker, so that sockets closing together queue for the
    # layer's connection pool instead of running it out (REDIS_MAX_CONNECTIONS).
    "GROUP_CALLS_AT_ONCE": env_int("REALTIME_GROUP_CALLS_AT_ONCE", 50),
    # Consumers' database work (the handshake's checks, saving a message) runs on this
    # many threads per worker, concurrently (realtime/database.py); each holds a pooled
    # connection only while it runs. 0 is channels' single thread, which SQLite needs.
    "DATABASE_THREADS": REALTIME_DATABASE_THREADS,
    "SESSION_SOCKET_SECONDS": JWT_ACCESS_MINUTES * 60,
}
# How long a worker gathers a chat's reported read positions before storing them and
# telling of them, all in one go (chat/services/read_positions.py): the longest an
# unread count or a "seen by" waits, and what bounds their writes and messages in a
# busy chat.
READ_GATHER_SECONDS = env_float("READ_GATHER_SECONDS", 1.0)
# Those threads must leave the pool a connection for HTTP requests.
if _POOLED and REALTIME_DATABASE_THREADS >= DATABASE_POOL_MAX_SIZE:
    raise ImproperlyConfigured(
        "REALTIME_DATABASE_THREADS must be below DATABASE_POOL_MAX_SIZE "
        "(HTTP requests need a connection too)"
    )
# daphne (runserver, and bin/entrypoint's command line) refuses a WebSocket message
# larger than any frame the layer accepts (4 bytes per character in UTF-8), instead of
# reading up to its default of 1 MiB into memory first.
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = 4 * env_int("REALTIME_MAX_FRAME_CHARS", 32 * 1024)
DAPHNE_WEBSOCKET_MAX_FRAME_SIZE = DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE

# Production hardening; `manage.py check --deploy` passes with DEBUG off.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    # One switch for every cookie (plain-http local Docker turns it off).
    SESSION_COOKIE_SECURE = AUTH_COOKIE_SECURE
    CSRF_COOKIE_SECURE = AUTH_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's default config gives "django" a console handler of its own; one
    # handler at the root is enough, or every line is printed twice.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}
