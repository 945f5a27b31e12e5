"""The notice engine's detection (pim.inquiries.notices): what a subscriber is told comes
from the published state only, starts at the confirmation, and reaches only the addresses
whose confirmed subscriptions cover the product and asked for that kind."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from pim.assets.services import add_revision, link_asset
from pim.catalog.models import Lifecycle, Product, ProductModel, ProductPrice
from pim.inquiries import notices
from pim.inquiries.models import DigestEntry, Notice, NoticeKind, PendingCheck, WatchedState
from tests.factories import make_pdf_asset, make_product

from .notice_helpers import pdf, publish, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def series(family):
    model = ProductModel.objects.create(
        code="BV", name={"en": "Ball valve BV", "de": "Kugelhahn BV"}, family=family, live=True
    )
    make_product(family, article_number="BV-15", product_model=model, name={})
    make_product(family, article_number="BV-20", product_model=model, name={})
    return model


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a block as if it committed: the detection task runs (immediate backend)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def changes_of(notice: Notice) -> list[dict]:
    return notice.details["changes"]


def test_confirming_records_the_baseline_an_unconfirmed_subscription_none(product):
    pending = subscribe("a@example.com", product, confirmed=False)
    assert not WatchedState.objects.exists()

    pending.confirmed_at = timezone.now()
    pending.save()
    state = WatchedState.objects.get(product_id=product.pk).state
    assert state["visible"] is True
    assert (state["article_number"], state["lifecycle"], state["successor"]) == ("KH-1", "active", None)
    assert state["name"] == {"en": "Ball valve", "de": "Kugelhahn"}


def test_a_published_discontinuation_is_one_lifecycle_notice_naming_the_successor(product, successor, commit):
    subscription = subscribe("buyer@example.com", product)
    with commit():
        publish(
            product,
            lifecycle=Lifecycle.DISCONTINUED,
            discontinued_date=datetime.date(2027, 3, 31),
            successor=successor,
        )

    notice = Notice.objects.get()
    assert (notice.product, notice.kind, notice.article_number) == (product, NoticeKind.LIFECYCLE, "KH-1")
    assert changes_of(notice) == [
        {"event": "discontinued", "date": "2027-03-31"},
        {
            "event": "successor",
            "article_number": "KH-2",
            "name": {"en": "Ball valve, new", "de": "Kugelhahn, neu"},
        },
    ]
    entry = DigestEntry.objects.get()
    assert (entry.email, entry.notice, entry.subscription) == ("buyer@example.com", notice, subscription)
    assert not PendingCheck.objects.exists()
    assert WatchedState.objects.get(product_id=product.pk).state["lifecycle"] == "discontinued"


def test_a_draft_edit_notices_nothing(product, successor, commit):
    subscribe("buyer@example.com", product)
    with commit():
        draft = Product.objects.get(pk=product.pk)
        draft.lifecycle = Lifecycle.DISCONTINUED
        draft.successor = successor
        draft.save_revision()  # saved, not published
    # Even a check forced now reads only what is published.
    notices.record_changes([product.pk])
    assert notices.detect_pending() == 1
    assert Product.objects.get(pk=product.pk).lifecycle == Lifecycle.ACTIVE  # the row is the published state
    assert Product.objects.get(pk=product.pk).has_unpublished_changes
    assert not Notice.objects.exists()
    assert not DigestEntry.objects.exists()
    assert not PendingCheck.objects.exists()  # the forced check ran and found nothing


def test_a_successor_that_is_not_public_is_not_named(family, product, commit):
    hidden = make_product(family, article_number="KH-SECRET", live=False)
    subscribe("buyer@example.com", product)
    with commit():
        publish(
            product, lifecycle=Lifecycle.PHASE_OUT, phase_out_date=datetime.date(2027, 1, 1), successor=hidden
        )
    assert changes_of(Notice.objects.get()) == [{"event": "phase_out", "date": "2027-01-01"}]
    assert "KH-SECRET" not in str(WatchedState.objects.get(product_id=product.pk).state)


def test_nobody_listening_records_nothing(product, commit):
    subscribe("later@example.com", product, confirmed=False)
    with commit():
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    assert not PendingCheck.objects.exists()
    assert not Notice.objects.exists()
    assert not DigestEntry.objects.exists()


def test_a_rolled_back_change_leaves_no_pending_check(product):
    subscribe("buyer@example.com", product)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
        assert PendingCheck.objects.filter(product_id=product.pk).exists()  # with the change
        raise RuntimeError("editor's request failed")
    assert not PendingCheck.objects.exists()


def test_a_change_published_before_the_confirmation_is_not_sent_to_that_address(
    product, django_capture_on_commit_callbacks
):
    subscribe("early@example.com", product)
    with django_capture_on_commit_callbacks(execute=False):  # detection has not run yet
        publish(product, lifecycle=Lifecycle.PHASE_OUT)
    subscribe("late@example.com", product)  # saw the phase-out on the page when subscribing

    notices.detect_pending()
    assert list(DigestEntry.objects.values_list("email", flat=True)) == ["early@example.com"]


def test_only_the_kinds_asked_for_reach_an_address(product, commit):
    subscribe("docs@example.com", product, lifecycle=False, documents=True)
    subscribe("life@example.com", product, lifecycle=True, documents=False)
    with commit():
        publish(product, lifecycle=Lifecycle.PHASE_OUT)
    assert list(DigestEntry.objects.values_list("email", flat=True)) == ["life@example.com"]


def test_a_series_subscription_hears_of_every_variant_even_ones_added_later(family, series, commit):
    subscribe("series@example.com", series)
    assert WatchedState.objects.filter(product_model_id=series.pk).count() == 2  # both variants

    variant = Product.objects.get(article_number="BV-20")
    with commit():
        publish(variant, lifecycle=Lifecycle.PHASE_OUT)
    notice = Notice.objects.get()
    assert (notice.product, notice.product_model, notice.article_number) == (variant, series, "BV-20")
    assert notice.product_name["en"] == "Ball valve BV"  # a variant shows its series' name

    with commit():
        added = make_product(family, article_number="BV-25", product_model=series, name={}, live=False)
        publish(added)
    announced = Notice.objects.get(article_number="BV-25")
    assert changes_of(announced) == [{"event": "available", "lifecycle": "active"}]
    assert DigestEntry.objects.filter(email="series@example.com").count() == 2


def test_a_product_and_a_series_subscription_of_one_address_get_a_notice_once(series, commit):
    variant = Product.objects.get(article_number="BV-15")
    direct = subscribe("both@example.com", variant)
    subscribe("both@example.com", series)
    with commit():
        publish(variant, lifecycle=Lifecycle.DISCONTINUED)
    entry = DigestEntry.objects.get()
    assert entry.subscription == direct


def test_leaving_public_view_and_deletion_are_announced(series, commit):
    subscribe("series@example.com", series)
    variant = Product.objects.get(article_number="BV-15")
    with commit():
        variant.unpublish()
    assert changes_of(Notice.objects.get(article_number="BV-15")) == [{"event": "unavailable"}]

    other = Product.objects.get(article_number="BV-20")
    with commit():
        other.delete()
    gone = Notice.objects.get(article_number="BV-20")
    assert (gone.product, gone.product_model) == (None, series)
    assert changes_of(gone) == [{"event": "unavailable"}]
    assert gone.product_name["en"] == "Ball valve BV"  # kept from the last published state
    assert DigestEntry.objects.filter(email="series@example.com").count() == 2
    assert not WatchedState.objects.filter(product_id=other.pk).exists()


def test_new_and_revised_public_datasheets_are_document_notices(product, commit):
    subscribe("docs@example.com", product)
    with commit():
        datasheet = make_pdf_asset("KH-1 datasheet")
        link_asset(datasheet, product)
    added = Notice.objects.get()
    assert added.kind == NoticeKind.DOCUMENTS
    assert changes_of(added) == [
        {
            "event": "document_added",
            "asset": str(datasheet.pk),
            "kind": "datasheet",
            "title": {"en": "KH-1 datasheet"},
        }
    ]

    with commit():
        add_revision(datasheet, pdf("KH-1 datasheet, revised"), filename="KH-1 datasheet.pdf")
    revised = Notice.objects.latest("pk")
    assert changes_of(revised) == [
        {
            "event": "document_revised",
            "asset": str(datasheet.pk),
            "revision": 2,
            "kind": "datasheet",
            "title": {"en": "KH-1 datasheet"},
        }
    ]
    assert DigestEntry.objects.filter(email="docs@example.com").count() == 2


def test_a_document_that_is_not_public_is_not_announced(product, commit):
    subscribe("docs@example.com", product)
    with commit():
        internal = make_pdf_asset("KH-1 test report", kind="certificate", public=False)
        link_asset(internal, product)
        future = make_pdf_asset(
            "KH-1 next datasheet", valid_from=timezone.localdate() + datetime.timedelta(days=30)
        )
        link_asset(future, product)
    assert not Notice.objects.exists()
    assert WatchedState.objects.get(product_id=product.pk).state["documents"] == {}


def _price(product, amount):
    product.prices.set([ProductPrice(currency="EUR", amount=Decimal(amount), min_quantity=Decimal(1))])


def test_prices_are_told_only_when_the_channel_shows_prices(settings, product, commit):
    settings.PIM_PUBLIC_PRICES = False
    _price(product, "10.00")
    publish(product)
    subscribe("prices@example.com", product, prices=True)
    assert "prices" not in WatchedState.objects.get(product_id=product.pk).state
    with commit():
        _price(product, "12.50")
        publish(product)
    assert not Notice.objects.exists()

    settings.PIM_PUBLIC_PRICES = True
    with commit():  # the first change with prices on sets what later ones compare with
        publish(product, phase_out_date=None)
    assert WatchedState.objects.get(product_id=product.pk).state["prices"] == {"EUR|1|": "12.5"}
    with commit():
        _price(product, "13.10")
        publish(product)
    notice = Notice.objects.get()
    assert notice.kind == NoticeKind.PRICES
    assert changes_of(notice) == [
        {
            "event": "price",
            "currency": "EUR",
            "min_quantity": "1",
            "valid_from": None,
            "old": "12.5",
            "new": "13.1",
        }
    ]


def test_unsubscribing_stops_notices_and_drops_what_was_waiting(product, commit, mailoutbox):
    subscription = subscribe("gone@example.com", product)
    with commit():
        publish(product, lifecycle=Lifecycle.PHASE_OUT)
    assert len(mailoutbox) == 1  # the first digest goes out at once
    with commit():
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
    assert DigestEntry.objects.filter(digest__isnull=True).count() == 1  # waits for the next day

    subscription.delete()
    assert not DigestEntry.objects.filter(digest__isnull=True).exists()
    with commit():
        publish(product, lifecycle=Lifecycle.ACTIVE)
    assert not PendingCheck.objects.exists()
    assert Notice.objects.count() == 2  # nothing detected for nobody
    assert len(mailoutbox) == 1


def test_a_detection_that_dies_mid_batch_writes_nothing_and_the_next_run_writes_it_once(
    product, successor, django_capture_on_commit_callbacks
):
    subscribe("buyer@example.com", product)
    subscribe("buyer@example.com", successor)
    with django_capture_on_commit_callbacks(execute=False):
        publish(product, lifecycle=Lifecycle.DISCONTINUED)
        publish(successor, lifecycle=Lifecycle.PHASE_OUT)

    with (
        mock.patch.object(notices, "fan_out", side_effect=SystemExit("worker killed")),
        pytest.raises(SystemExit),
    ):
        notices.detect_pending()
    assert not Notice.objects.exists()
    assert PendingCheck.objects.count() == 2
    assert WatchedState.objects.get(product_id=product.pk).state["lifecycle"] == "active"

    assert notices.detect_pending() == 2
    assert notices.detect_pending() == 0
    assert sorted(Notice.objects.values_list("article_number", flat=True)) == ["KH-1", "KH-2"]
    assert DigestEntry.objects.count() == 2
