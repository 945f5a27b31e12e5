"""The change log, and pulls with receiver tokens: latest file, deltas, conditional requests."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from pim.catalog.models import Lifecycle, Product
from pim.catalog.signals import notify
from pim.exports.models import (
    ExportFormat,
    ExportRun,
    ProductChange,
    ReceiverToken,
    RunKind,
    RunStatus,
    RunTrigger,
)
from pim.exports.runs import execute_run, run_export
from tests.factories import make_product

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
    channel = make_channel(ExportFormat.JSONL)
    run_export(channel)  # KH-OLD is discontinued: not in it, so no receiver can have it
    old = catalog.products["discontinued"]
    Product.objects.filter(pk=old.pk).update(lifecycle=Lifecycle.ACTIVE)
    run_export(channel)  # now it is: from here on receivers may have it
    Product.objects.filter(pk=old.pk).update(lifecycle=Lifecycle.DISCONTINUED)
    since = timezone.now()
    Product.objects.filter(pk=catalog.products["draft"].pk).update(updated_at=timezone.now())
    Product.objects.filter(pk=old.pk).update(updated_at=timezone.now())
    run = run_export(channel, kind=RunKind.DELTA, since=since)
    lines = run.file_path().read_text().splitlines()
    assert lines == ['{"action": "delete", "article_number": "KH-OLD"}']


def _all_delta_text(channel, since) -> str:
    """Everything a delta since ``since`` says (no file: nothing)."""
    run = run_export(channel, kind=RunKind.DELTA, since=since)
    path = run.file_path()
    return path.read_text() if path else ""


def test_deltas_never_name_products_the_receiver_could_not_have(catalog, export_root, settings):
    """A draft created and deleted, a product never public, a product of another channel's
    scope: none of their article numbers reaches a receiver, as deletion or otherwise."""
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.JSONL, code="ball-shop")
    bmecat = make_channel(ExportFormat.BMECAT_2005, code="ball-bmecat")
    for each in (channel, bmecat):
        each.categories.set([catalog.categories["ball"]])
        run_export(each)
    before = timezone.now() - timedelta(seconds=1)

    # a draft in the channel's scope, created and deleted
    draft = make_product(catalog.family, article_number="SECRET-DRAFT", name={"en": "Draft"}, live=False)
    draft.categories.set([catalog.categories["ball"]])
    draft.delete()
    # a product that was never public, unpublished (the event) and then deleted
    hidden = catalog.products["draft"]
    hidden.categories.set([catalog.categories["ball"]])
    notify([hidden.pk], "unpublished")
    hidden.delete()
    # a public product of another scope (fittings), deleted: this channel never sent it
    catalog.products["english_only"].delete()
    # and one this channel did send, deleted: the receiver must hear of it
    catalog.products["psi"].delete()

    for each, kind in ((channel, RunKind.DELTA), (bmecat, RunKind.DELTA), (bmecat, RunKind.PRICES)):
        run = run_export(each, kind=kind, since=before)
        text = run.file_path().read_text() if run.file_path() else ""
        for secret in ("SECRET-DRAFT", "KH-DRAFT", "KH-300"):
            assert secret not in text, f"{secret} leaked into a {kind} delta of {each.code}"
    assert '{"action": "delete", "article_number": "KH-200"}' in _all_delta_text(channel, before)


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


@pytest.mark.parametrize("since", ["2026-13-45", "2026-02-30T10:00:00", "2026-02-30", "2026-01-01T25:00"])
def test_pull_answers_impossible_moments_with_400(client, channel, token, since):
    _row, secret = token
    run_export(channel)
    response = pull(client, channel, secret, since=since)
    assert response.status_code == 400
    message = response.json()["error"]
    assert since in message and "ISO 8601" in message and "2025-03-01T08:00:00+01:00" in message


def test_wrong_tokens_are_limited_per_client_address(client, channel, token, settings):
    settings.PIM_EXPORT_PULL_MAX_FAILURES = 3
    settings.PIM_EXPORT_PULL_FAILURE_WINDOW_SECONDS = 60
    _row, secret = token
    run_export(channel)
    assert [pull(client, channel, f"guess-{n}").status_code for n in range(3)] == [401, 401, 401]
    response = pull(client, channel, "guess-4")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 61
    assert "wrong token" in response.json()["error"]
    # locked out, whatever it sends now, until the window ends
    assert pull(client, channel, secret).status_code == 429
    # another client address is not affected; requests without a token are not guesses
    other = client.get(
        reverse("exports:pull", args=[channel.code]),
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        REMOTE_ADDR="192.0.2.7",
    )
    assert other.status_code == 200
    for _ in range(5):
        assert (
            client.get(reverse("exports:pull", args=[channel.code]), REMOTE_ADDR="192.0.2.8").status_code
            == 401
        )
    assert pull_from(client, channel, secret, "192.0.2.8").status_code == 200


def pull_from(client, channel, secret, address, **params):
    return client.get(
        reverse("exports:pull", args=[channel.code]),
        params,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize(
    "header",
    ["W/{etag}", "{etag}", '"other", W/{etag}', '"a",{etag} , "b"', "*"],
)
def test_pull_honours_weak_etags_lists_and_star(client, channel, token, header):
    _row, secret = token
    run = run_export(channel)
    etag = f'"{run.sha256}"'
    response = client.get(
        reverse("exports:pull", args=[channel.code]),
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_IF_NONE_MATCH=header.format(etag=etag),
    )
    assert response.status_code == 304
    assert response["ETag"] == etag
    stale = client.get(
        reverse("exports:pull", args=[channel.code]),
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_IF_NONE_MATCH='W/"stale", "older"',
    )
    assert stale.status_code == 200


def test_a_delta_since_before_the_latest_full_file_is_that_file(client, channel, token):
    """since=1970-01-01 builds nothing: the receiver gets the published full file."""
    row, secret = token
    full = run_export(channel)
    runs_before = ExportRun.objects.count()
    response = pull(client, channel, secret, since="1970-01-01")
    assert response.status_code == 200
    assert response["X-Export-Kind"] == "full" and response["ETag"] == f'"{full.sha256}"'
    assert body(response) == full.file_path().read_bytes()
    assert ExportRun.objects.count() == runs_before
    row.refresh_from_db()
    assert row.last_pull_at == full.snapshot_at  # its next since=last starts there


@pytest.fixture
def queued_tasks(settings):
    """Tasks are stored, not run: as with db_worker between two requests."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_a_delta_to_build_is_built_by_the_worker(client, channel, token, settings, catalog, queued_tasks):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    settings.PIM_EXPORT_PULL_RETRY_AFTER_SECONDS = 7
    _row, secret = token
    run_export(channel)
    since = timezone.now()
    Product.objects.filter(pk=catalog.products["full"].pk).update(updated_at=timezone.now())

    response = pull(client, channel, secret, since=since.isoformat())
    assert response.status_code == 202 and response["Retry-After"] == "7"
    run = ExportRun.objects.get(kind=RunKind.DELTA)
    assert run.status == RunStatus.QUEUED and response.json()["run"] == run.pk
    # asking again does not queue another build
    assert pull(client, channel, secret, since=since.isoformat()).status_code == 202
    # nor does a receiver asking for another moment meanwhile
    other = pull(client, channel, secret, since=(since + timedelta(seconds=1)).isoformat())
    assert other.status_code == 429 and other["Retry-After"] == "7"
    assert ExportRun.objects.filter(kind=RunKind.DELTA).count() == 1

    execute_run(run)  # the worker
    response = pull(client, channel, secret, since=since.isoformat())
    assert response.status_code == 200 and response["X-Export-Kind"] == "delta"
    run.refresh_from_db()
    assert body(response) == run.file_path().read_bytes()
    # the same moment again within the reuse time: the same file, still no new build
    again = pull(client, channel, secret, since=since.isoformat())
    assert again.status_code == 200 and again["ETag"] == f'"{run.sha256}"'
    assert ExportRun.objects.filter(kind=RunKind.DELTA).count() == 1
