"""The probes: /healthz (liveness) touches nothing; /readyz (readiness) checks the
database and the channel layer and says which one is down."""

from typing import Any
from unittest.mock import patch

import pytest
from channels.layers import get_channel_layer
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_readyz_answers_200_when_the_database_and_the_layer_answer() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }
    assert not response.cookies


def test_readyz_answers_503_with_the_reason_when_the_database_is_down() -> None:
    down = OperationalError("connection refused at db.internal:5432")
    with patch("config.health._query_database", side_effect=down):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "failed: OperationalError", "channel_layer": "ok"},
    }
    # The probe is public: the exception's type, never its text (hosts, users).
    assert b"db.internal" not in response.content


def test_readyz_answers_503_with_the_reason_when_the_channel_layer_is_down() -> None:
    layer: Any = get_channel_layer()
    with patch.object(layer, "send", side_effect=ConnectionError("redis down")):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "channel_layer": "failed: ConnectionError"},
    }


def test_healthz_stays_up_when_readiness_fails() -> None:
    """Liveness must not depend on the database or the layer: an outage of either
    would otherwise get healthy workers restarted."""
    with (
        patch("config.health._query_database", side_effect=OperationalError("down")),
        patch.object(get_channel_layer(), "send", side_effect=ConnectionError("down")),
    ):
        assert Client().get("/readyz").status_code == 503
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
