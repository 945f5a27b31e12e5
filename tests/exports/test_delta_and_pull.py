"""The change log, and pulls with receiver tokens: latest file, deltas, conditional requests."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from pim.catalog.models import Lifecycle, Product
from pim.catalog.signals import notify
from pim.exports.models import ExportFormat, ExportRun, ProductChange, ReceiverToken, RunKind, RunTrigger
from pim.exports.runs import run_export

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db


def test_change_log_records_events_and_deletions(catalog):
    full = catalog.products["full"]
    notify([full.pk], "family_changed")
    change = ProductChange.objects.get(product_id=full.pk)
    assert (change.article_number, change.removed, change.reason) == ("KH-100", False, "family_changed")
    notify([full.pk], "unpublished")
    change.refresh_from_db()
    assert change.removed and change.reason == "unpublished"
    pk = full.pk
    full.delete()
    change = ProductChange.objects.get(product_id=pk)
    assert change.removed and change.reason == "deleted" and change.article_number == "KH-100"


def test_family_change_puts_its_products_into_the_delta(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    since = timezone.now()
    catalog.family.name = {"en": "Ball valves (new)", "de": "Kugelhähne (neu)"}
    catalog.family.save()  # the catalog signals family_changed for its products
    run = run_export(make_channel(ExportFormat.JSONL), kind=RunKind.DELTA, since=since)
    numbers = [
        line.split('"article_number": "')[1].split('"')[0]
        for line in run.file_path().read_text().splitlines()
    ]
    # every public product of the family (the long number is fine in JSON Lines)
    assert set(numbers) == {
        "KH-100",
        "KH-200",
        "KH-300",
        catalog.products["long_number"].article_number,
        "KH-SER-15",
    }


def _delta_lines(channel, since) -> dict[str, dict]:
    run = run_export(channel, kind=RunKind.DELTA, since=since)
    lines = [json.loads(line) for line in run.file_path().read_text().splitlines()]
    return {line["article_number"]: line for line in lines if "article_number" in line}


def test_category_edits_and_deletions_put_their_products_into_the_delta(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    Product.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    ProductChange.objects.all().delete()
    ball, fittings = catalog.categories["ball"], catalog.categories["fittings"]
    in_ball = set(
        Product.objects.publicly_visible().in_categories([ball.pk]).values_list("article_number", flat=True)
    )
    in_fittings = set(
        Product.objects.publicly_visible()
        .in_categories([fittings.pk])
        .values_list("article_number", flat=True)
    )
    assert in_ball and in_fittings and not in_ball & in_fittings
    channel = make_channel(ExportFormat.JSONL)

    since = timezone.now()
    ball.code = "ball-valves"
    ball.save()
    delta = _delta_lines(channel, since)
    assert set(delta) == in_ball, "exactly the products of the edited category"
    assert all("ball-valves" in line["categories"] for line in delta.values())

    since = timezone.now()
    fittings.delete()
    delta = _delta_lines(channel, since)
    assert set(delta) == in_fittings, "the products that lost the deleted category"
    assert all("fittings" not in line["categories"] for line in delta.values())


def test_delta_overlap_catches_changes_committed_late(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 120
    since = timezone.now()
    Product.objects.update(updated_at=since - timedelta(hours=1))
    ProductChange.objects.update(changed_at=since - timedelta(hours=1))
    # recorded 30 s before the moment asked for (e.g. a transaction that committed late)
    Product.objects.filter(pk=catalog.products["full"].pk).update(updated_at=since - timedelta(seconds=30))
    run = run_export(make_channel(ExportFormat.JSONL), kind=RunKind.DELTA, since=since)
    assert run.product_count == 1


def test_never_published_products_are_not_sent_as_deletions(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    since = timezone.now()
    Product.objects.filter(pk=catalog.products["draft"].pk).update(updated_at=timezone.now())
    Product.objects.filter(pk=catalog.products["discontinued"].pk).update(
        updated_at=timezone.now(), first_published_at=since - timedelta(days=30)
    )
    run = run_export(make_channel(ExportFormat.JSONL), kind=RunKind.DELTA, since=since)
    lines = run.file_path().read_text().splitlines()
    assert lines == ['{"action": "delete", "article_number": "KH-OLD"}']


# -- pulls --------------------------------------------------------------------------------


@pytest.fixture
def channel(catalog, export_root):
    return make_channel(code="shop")


@pytest.fixture
def token(channel):
    return ReceiverToken.issue(channel, "Shop DE")


def pull(client, channel, secret=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    return client.get(reverse("exports:pull", args=[channel.code]), params, **headers)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_pull_needs_a_valid_unrevoked_token(client, channel, token):
    row, secret = token
    run_export(channel)
    assert pull(client, channel).status_code == 401
    assert pull(client, channel, "wrong").status_code == 401
    assert pull(client, channel, secret).status_code == 200
    other = make_channel(code="other")
    assert pull(client, other, secret).status_code == 401  # tokens are per channel
    assert client.get(reverse("exports:pull", args=["shop"]), {"token": secret}).status_code == 200
    row.revoke()
    response = pull(client, channel, secret)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert len(row.token_hash) == 64 and secret not in row.token_hash  # only the hash is stored


def test_pull_serves_the_latest_file_with_validators(client, channel, token):
    row, secret = token
    assert pull(client, channel, secret).status_code == 404  # nothing published yet
    run = run_export(channel)
    response = pull(client, channel, secret)
    assert response.status_code == 200
    content = body(response)
    assert content == run.file_path().read_bytes()
    assert response["ETag"] == f'"{run.sha256}"'
    assert response["Content-Type"] == "application/xml"
    row.refresh_from_db()
    assert row.last_pull_at == run.snapshot_at and row.pull_count == 1

    same = pull(client, channel, secret, **{})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = reverse("exports:pull", args=[channel.code])
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"], **headers).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"', **headers).status_code == 200
    later = http_date((run.finished_at + timedelta(seconds=5)).timestamp())
    earlier = http_date((run.finished_at - timedelta(hours=1)).timestamp())
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=later, **headers).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier, **headers).status_code == 200
    assert same.status_code == 200


def test_pull_delta_since_timestamp_and_since_last_pull(client, channel, token, settings, catalog):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    row, secret = token
    run_export(channel)
    # first pull: the full file; it sets the receiver's moment
    assert pull(client, channel, secret, since="last").status_code == 200
    row.refresh_from_db()
    first_moment = row.last_pull_at

    # nothing changed since: 204, and the moment moves on
    response = pull(client, channel, secret, since="last")
    assert response.status_code == 204
    row.refresh_from_db()
    assert row.last_pull_at > first_moment

    # a change: the next "since last" delta has exactly it
    full = catalog.products["full"]
    Product.objects.filter(pk=full.pk).update(updated_at=timezone.now(), first_published_at=first_moment)
    response = pull(client, channel, secret, since="last")
    assert response.status_code == 200
    path = ExportRun.objects.filter(kind=RunKind.DELTA).latest("pk").file_path()
    assert body(response) == path.read_bytes()
    document = assert_valid(path, "2005")
    assert document.xpath("//*[local-name()='SUPPLIER_PID']/text()") == ["KH-100"]
    run = ExportRun.objects.filter(kind=RunKind.DELTA).latest("pk")
    assert run.trigger == RunTrigger.PULL and run.receiver == row
    # and then nothing again
    assert pull(client, channel, secret, since="last").status_code == 204

    # an explicit moment works independently of the receiver's own
    since = (first_moment - timedelta(seconds=1)).isoformat()
    response = pull(client, channel, secret, since=since)
    assert response.status_code == 200
    assert pull(client, channel, secret, since="not-a-date").status_code == 400


def test_pull_price_delta_and_unsupported_kinds(client, channel, token, settings, catalog):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    _row, secret = token
    since = timezone.now()
    Product.objects.filter(pk=catalog.products["full"].pk).update(updated_at=timezone.now())
    response = pull(client, channel, secret, since=since.isoformat(), prices="1")
    assert response.status_code == 200
    assert b"T_UPDATE_PRICES" in body(response)
    csv_channel = make_channel(ExportFormat.CSV, code="csv-shop")
    _csv_row, csv_secret = ReceiverToken.issue(csv_channel, "ERP")
    assert pull(client, csv_channel, csv_secret, since=since.isoformat(), prices="1").status_code == 400


def test_pull_never_serves_discontinued_or_drafts(client, channel, token, catalog):
    _row, secret = token
    catalog.products["psi"].lifecycle = Lifecycle.DISCONTINUED
    catalog.products["psi"].save()
    run_export(channel)
    content = body(pull(client, channel, secret))
    assert b"KH-200" not in content  # not as a product, not as a reference target
    assert b"KH-DRAFT" not in content and b"Secret draft" not in content
