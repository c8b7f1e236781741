# The chat app: daphne serving HTTP and WebSocket, as bin/entrypoint starts it.
# Build: docker build -t chat-web .   Run the whole stack: docker compose up --build
# PYTHON_IMAGE names the base (a mirror's copy of python:3.12-slim, say); compose.yaml
# passes it through when set.
ARG PYTHON_IMAGE=python:3.12-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

WORKDIR /app

# The app runs unprivileged; the code and collected static files stay owned
# by root, so the running process cannot change them.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
# psycopg[binary] ships its own libpq, so no apt packages are needed.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The app only: .dockerignore leaves out tests, the harness, bench/, docs/ and the
# development tools (bin/lint-deploy checks the context runs without them).
COPY . .

# With DEBUG off the settings serve static files through WhiteNoise's manifest
# storage, which needs collectstatic at build time. The settings refuse to load
# without a SECRET_KEY, so this one step gets a throwaway key; it is not in the
# image's environment.
RUN SECRET_KEY=collectstatic-at-build-time-only DEBUG=false \
    python manage.py collectstatic --noinput --verbosity 0

# Attachments (MEDIA_ROOT): the one folder the app writes, owned by its user; compose
# mounts a named volume here, which starts with this folder's owner.
RUN mkdir media && chown 10001:10001 media

USER 10001:10001
EXPOSE 8000

# No curl in slim images: the entry script GETs the app's readiness probe (/readyz:
# database and channel layer) with urllib.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "bin/entrypoint", "healthcheck"]

# Waits for the database, migrates (under a lock), then execs one daphne process on
# PORT; scale with more containers behind the proxy (compose.yaml). CMD, not
# ENTRYPOINT, so `docker compose run web python manage.py ...` runs a management
# command as is.
CMD ["python", "bin/entrypoint"]
