"""Settings for the test suite: the environment's settings plus what tests need.

Tests still honour DATABASE_URL and REDIS_URL, so CI runs the same suite on the
embedded default and against real PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-but-long-enough-for-hs256")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings import *  # noqa: F403
from config.settings import AUTH_THROTTLE_RATES, REALTIME, STORAGES

# The complete / group_complete markers the harness's receive_all_json() waits for:
# a test-only switch, so it is here and not in the environment.
# Consumers' database work on the test's own thread (realtime/database.py), so that
# the rollback test case's transaction is the one they see; tests of the thread pool
# turn it on with override_settings in a test case that commits.
REALTIME = {**REALTIME, "SEND_COMPLETION": True, "DATABASE_THREADS": 0}

# Read positions are gathered for a moment before they are stored and told: shorter
# here, so the tests that wait for them wait less.
READ_GATHER_SECONDS = 0.05

# Hashing passwords properly is slow by design; tests do not need it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Templates render without a prior collectstatic.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the apps' folders, as in development: no collectstatic.
WHITENOISE_AUTOREFRESH = True

# The proxies the suite trusts: documentation networks (RFC 5737), which no real peer has
# (config/tests/test_client_address.py).
TRUSTED_PROXIES = ["192.0.2.0/24", "198.51.100.0/24"]

# The whole suite logs in from one address; the throttling tests set their own limits.
AUTH_THROTTLE_RATES = dict.fromkeys(AUTH_THROTTLE_RATES, "100000/min")
