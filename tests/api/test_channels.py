"""Contract of /api/v1/channels/: internal (full read and write tokens only), format and scope
summary, the latest successful full and delta runs, the pull URL, no receiver tokens."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pim.api.models import TokenScope
from pim.catalog.models import Category
from pim.exports.models import ExportFormat, ExportRun, ReceiverToken, RunKind, RunStatus, RunTrigger
from tests.api.conftest import bearer
from tests.exports.conftest import make_channel

pytestmark = pytest.mark.django_db


def run(channel, kind=RunKind.FULL, status=RunStatus.SUCCEEDED, *, hours_ago=0, **fields):
    finished = timezone.now() - timedelta(hours=hours_ago)
    return ExportRun.objects.create(
        channel=channel,
        format=channel.format,
        kind=kind,
        status=status,
        trigger=RunTrigger.SCHEDULE,
        started_at=finished - timedelta(minutes=2),
        finished_at=finished,
        **fields,
    )


def test_channels_are_refused_without_full_read(api, issue_token):
    channel = make_channel()
    for url in ("/api/v1/channels/", f"/api/v1/channels/{channel.code}/"):
        anonymous = api.get(url)
        assert anonymous.status_code == 401
        assert anonymous["WWW-Authenticate"].startswith("Bearer")
        public = api.get(url, **bearer(issue_token(TokenScope.PUBLIC_READ)))
        assert public.status_code == 403
        assert "full_read" in public.json()["detail"]
        for scope in (TokenScope.FULL_READ, TokenScope.WRITE):
            assert api.get(url, **bearer(issue_token(scope))).status_code == 200


def test_channel_detail_contract(api, family, issue_token, settings):
    channel = make_channel(
        ExportFormat.JSONL, code="shop", name="Web shop", lifecycles="active,phase_out", min_completeness=80
    )
    channel.categories.set([Category.objects.create(code="valves", name={"en": "Valves"})])
    channel.families.set([family])
    channel.save()
    receiver, secret = ReceiverToken.issue(channel, "Web shop GmbH")
    run(channel, hours_ago=30, product_count=10)
    full = run(channel, hours_ago=20, product_count=12, size_bytes=3456, sha256="a" * 64, published=True)
    run(channel, status=RunStatus.FAILED, hours_ago=1)
    run(channel, RunKind.DELTA, hours_ago=5, product_count=1)
    delta = run(channel, RunKind.DELTA, hours_ago=2, product_count=3, deleted_count=1)
    run(channel, RunKind.DELTA, status=RunStatus.RUNNING)

    response = api.get("/api/v1/channels/shop/", **bearer(issue_token(TokenScope.FULL_READ)))

    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "shop" and data["name"] == "Web shop" and data["active"] is True
    assert data["format"] == "jsonl"
    assert data["languages"] == ["en", "de"] and data["currency"] == "EUR"
    assert data["lifecycles"] == ["active", "phase_out"] and data["min_completeness"] == 80
    assert data["categories"] == ["valves"] and data["families"] == ["valves"]
    assert data["pull_url"] == settings.PIM_BASE_URL + "/exports/shop/pull/"
    latest_full = data["latest_full_run"]
    assert latest_full["id"] == full.pk and latest_full["kind"] == "full"
    assert latest_full["status"] == "succeeded" and latest_full["published"] is True
    assert (latest_full["product_count"], latest_full["size_bytes"]) == (12, 3456)
    assert latest_full["sha256"] == "a" * 64
    assert latest_full["finished_at"] is not None and latest_full["started_at"] is not None
    latest_delta = data["latest_delta_run"]
    assert latest_delta["id"] == delta.pk
    assert (latest_delta["product_count"], latest_delta["deleted_count"]) == (3, 1)
    # Receiver tokens (their names, hashes or secrets) are never part of the answer.
    text = response.content.decode()
    assert "token" not in text.lower() and "Web shop GmbH" not in text
    assert secret not in text and receiver.prefix not in text and receiver.token_hash not in text


def test_channel_without_runs_and_unknown_code(api, issue_token):
    make_channel(code="erp")
    headers = bearer(issue_token(TokenScope.WRITE))
    data = api.get("/api/v1/channels/erp/", **headers).json()
    assert data["latest_full_run"] is None and data["latest_delta_run"] is None
    assert api.get("/api/v1/channels/nope/", **headers).status_code == 404
    assert api.get("/api/v1/channels/?fields=code", **headers).json()["results"] == [{"code": "erp"}]


def test_queries_per_page_do_not_grow_with_the_page_size(api, family, issue_token):
    for index in range(30):
        channel = make_channel(code=f"c-{index:02d}")
        channel.families.set([family])
        run(channel, hours_ago=3)
        run(channel, RunKind.DELTA, hours_ago=1)
    headers = bearer(issue_token(TokenScope.FULL_READ))
    api.get("/api/v1/channels/?size=1", **headers)  # the token's first use is recorded once

    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/api/v1/channels/?size={size}", **headers)
        results = response.json()["results"]
        assert response.status_code == 200 and len(results) == size
        assert all(row["latest_full_run"] and row["latest_delta_run"] for row in results)
        return len(captured)

    assert queries(10) == queries(30)
