"""``assets_became_valid``: an asset whose valid-from day arrives becomes downloadable without a
change in the database; the daily command reports its products, and search follows."""

from datetime import timedelta
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pim.assets import samples
from pim.assets.models import AssetKind
from pim.assets.services import create_asset, link_asset
from pim.exports.models import ProductChange
from pim.search.models import IndexDownload, OutboxEntry
from pim.search.query import DownloadFilter, SearchQuery
from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def days_later(monkeypatch):
    """Move the clock ``n`` days ahead (``timezone.now``, which ``localdate`` reads too)."""
    real_now = timezone.now

    def move(n: int):
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(days=n))
        return timezone.localdate()

    return move


def run(*args) -> str:
    out = StringIO()
    call_command("assets_became_valid", *args, stdout=out)
    return out.getvalue()


def with_manuals(backend) -> list[str]:
    return [
        hit.article_number for hit in backend.search(SearchQuery(filters=[DownloadFilter(["manual"])])).hits
    ]


def test_an_asset_valid_from_tomorrow_is_reported_and_indexed_on_that_day(
    family, database_search, days_later, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        valve = make_product(family, article_number="V-1")
        make_product(family, article_number="V-2")
        tomorrow = timezone.localdate() + timedelta(days=1)
        manual = create_asset(
            BytesIO(samples.simple_pdf("Manual", ["Operating instructions"])),
            filename="manual.pdf",
            kind=AssetKind.MANUAL,
            valid_from=tomorrow,
        ).asset
        link_asset(manual, valve)
    assert not OutboxEntry.objects.exists()  # the link was reported and drained
    assert with_manuals(database_search) == []  # not valid yet

    # today: nothing became valid
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 products reported" in run()
        assert not OutboxEntry.objects.exists()

    # tomorrow: the manual is downloadable, and exactly its product is reported
    assert days_later(1) == tomorrow
    changed_before = ProductChange.objects.get(product_id=valve.pk).changed_at
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert f"Assets valid from {tomorrow} to {tomorrow}: 1 product reported." in run()
        assert list(OutboxEntry.objects.values_list("product_id", "reason")) == [(valve.pk, "assets_changed")]
        # run twice (cron retried): still one outbox row for the product
        run("--days", "1")
        assert OutboxEntry.objects.count() == 1
    for callback in callbacks:
        callback()
    assert not OutboxEntry.objects.exists()
    assert list(IndexDownload.objects.values_list("kind", "entry_id")) == [("manual", valve.pk)]
    assert with_manuals(database_search) == ["V-1"]
    assert database_search.search(SearchQuery(text="V-1")).hits[0].downloads == ("manual",)
    # export deltas see the product as changed that day
    assert ProductChange.objects.get(product_id=valve.pk).changed_at > changed_before


def test_days_look_back_and_nothing_is_reported_twice_by_the_daily_run(family, days_later):
    valve = make_product(family, article_number="V-1")
    today = timezone.localdate()
    manual = create_asset(
        BytesIO(samples.simple_pdf("Manual", ["Operating instructions"])),
        filename="manual.pdf",
        kind=AssetKind.MANUAL,
        valid_from=today + timedelta(days=2),
    ).asset
    link_asset(manual, valve)

    days_later(3)  # cron missed the day the manual became valid
    OutboxEntry.objects.all().delete()
    assert "0 products reported" in run()
    assert not OutboxEntry.objects.exists()
    assert "1 product reported" in run("--days", "2")
    assert list(OutboxEntry.objects.values_list("product_id", flat=True)) == [valve.pk]

    days_later(4)  # the next daily run does not report it again
    OutboxEntry.objects.all().delete()
    assert "0 products reported" in run()
    assert not OutboxEntry.objects.exists()


def test_days_must_be_positive(db):
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        run("--days", "0")
