"""Every event type comes from the real catalog action: publishing through Wagtail's revision
publish, discontinuing, changing a price, deleting, an asset change, an export run finishing.
Events describe the published state: drafts send nothing unless a subscription asks for
them, and even then no draft data."""

from decimal import Decimal

import pytest

from pim.assets.services import link_asset
from pim.catalog.models import Lifecycle, Product, ProductPrice
from pim.catalog.signals import products_bulk_saved
from pim.exports.models import RunStatus
from pim.exports.runs import run_export
from pim.webhooks import delivery
from pim.webhooks.models import EventType, WebhookDelivery
from tests.exports.conftest import make_channel
from tests.factories import make_pdf_asset, make_product

pytestmark = pytest.mark.django_db


def sent(**filters) -> list[tuple[str, str]]:
    """(event type, article number or channel code) of the deliveries recorded, in order."""
    rows = WebhookDelivery.objects.filter(**filters).order_by("pk")
    return [
        (
            row.event_type,
            (row.payload.get("product") or {}).get("article_number") or row.payload["export_run"]["channel"],
        )
        for row in rows
    ]


def publish(product, **changes):
    for name, value in changes.items():
        setattr(product, name, value)
    product.save_revision().publish()
    WebhookDelivery.objects.filter(event_type=EventType.PRODUCT_UPDATED, payload__draft=True).delete()


@pytest.fixture
def draft(family):
    """A product saved but never published."""
    return make_product(family, article_number="KH-100", live=False)


def test_first_publish_announces_created_and_published(subscribe, draft):
    subscribe()
    publish(draft)
    assert sent() == [("product.published", "KH-100"), ("product.created", "KH-100")]
    payload = WebhookDelivery.objects.first().payload
    assert payload["product"]["public"] is True and payload["product"]["id"] == draft.pk
    assert set(payload) == {"event", "delivery", "occurred_at", "product"}

    WebhookDelivery.objects.all().delete()
    publish(Product.objects.get(pk=draft.pk))  # published again, nothing else changed
    assert sent() == [("product.published", "KH-100")]


def test_a_product_published_in_a_non_public_lifecycle_is_not_announced(subscribe, draft):
    subscribe()
    publish(draft, lifecycle=Lifecycle.DRAFT)
    assert sent() == []  # a draft never leaks, not even its article number


def test_discontinuing_is_announced_once(subscribe, draft):
    subscribe()
    publish(draft)
    WebhookDelivery.objects.all().delete()
    publish(Product.objects.get(pk=draft.pk), lifecycle=Lifecycle.DISCONTINUED)
    assert sent() == [("product.published", "KH-100"), ("product.discontinued", "KH-100")]
    WebhookDelivery.objects.all().delete()
    publish(Product.objects.get(pk=draft.pk))
    assert sent() == [("product.published", "KH-100")]


def test_a_price_change_is_announced_when_published(subscribe, draft):
    subscribe(EventType.PRICE_CHANGED)
    draft.prices.set([ProductPrice(currency="EUR", amount=Decimal("10.00"))])
    publish(draft)
    assert sent() == []  # new to the public: product.created says so

    product = Product.objects.get(pk=draft.pk)
    product.prices.set([ProductPrice(currency="EUR", amount=Decimal("10.00"))])
    publish(product)
    assert sent() == []  # the same price rows

    product = Product.objects.get(pk=draft.pk)
    product.prices.set([ProductPrice(currency="EUR", amount=Decimal("12.50"))])
    product.save_revision()  # a draft: nothing yet
    assert sent() == []
    Product.objects.get(pk=draft.pk).latest_revision.publish()
    assert sent() == [("price.changed", "KH-100")]
    assert "12.5" not in str(WebhookDelivery.objects.get().payload)  # names the product, not the price


def test_deleting_a_public_product_is_announced_a_draft_is_not(subscribe, family, draft):
    subscribe(EventType.PRODUCT_DELETED)
    public = make_product(family, article_number="KH-200")
    public.delete()
    draft.delete()
    assert sent() == [("product.deleted", "KH-200")]
    assert WebhookDelivery.objects.get().payload["product"]["public"] is False


def test_unpublishing_is_an_update_to_not_public(subscribe, family):
    subscribe(EventType.PRODUCT_UPDATED)
    product = make_product(family, article_number="KH-300")
    product.unpublish()
    assert sent() == [("product.updated", "KH-300")]
    payload = WebhookDelivery.objects.get().payload
    assert payload["product"]["public"] is False and payload["reason"] == "unpublished"


def test_an_asset_change_reaches_the_visible_products_it_is_linked_to(subscribe, family, draft):
    subscribe(EventType.ASSET_CHANGED)
    public = make_product(family, article_number="KH-400")
    link_asset(make_pdf_asset("KH-400 datasheet"), public)
    link_asset(make_pdf_asset("KH-100 datasheet"), draft)
    assert sent() == [("asset.changed", "KH-400")]
    assert WebhookDelivery.objects.get().payload["reason"] == "assets_changed"


def test_an_export_run_finishing_is_announced(subscribe, family, tmp_path, settings):
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    subscribe(EventType.EXPORT_FINISHED)
    make_product(family, article_number="KH-500")
    channel = make_channel()
    run = run_export(channel)
    assert sent() == [("export.finished", channel.code)]
    payload = WebhookDelivery.objects.get().payload["export_run"]
    assert payload["id"] == run.pk and payload["status"] == run.status
    assert run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)
    run.save()  # saved again after it finished: not a second event
    assert len(sent()) == 1


def test_drafts_only_for_subscriptions_that_ask_and_without_draft_data(subscribe, family):
    plain = subscribe(EventType.PRODUCT_UPDATED, name="Shop")
    with_drafts = subscribe(EventType.PRODUCT_UPDATED, name="MDM", include_drafts=True)
    product = make_product(family, article_number="KH-600")
    product.name = {"en": "Secret new name"}
    product.save_revision()
    assert sent(subscription=plain) == []
    assert sent(subscription=with_drafts) == [("product.updated", "KH-600")]
    payload = WebhookDelivery.objects.get().payload
    # The published state stays visible; the draft's name is nowhere in the payload.
    assert payload["draft"] is True and payload["product"]["public"] is True
    assert payload["revision"] == product.latest_revision.pk
    assert "Secret" not in str(payload)


def test_bulk_draft_writes_reach_only_draft_subscriptions(subscribe, family, draft):
    plain = subscribe(EventType.PRODUCT_UPDATED, name="Shop")
    with_drafts = subscribe(EventType.PRODUCT_UPDATED, name="MDM", include_drafts=True)
    public = make_product(family, article_number="KH-700")
    # What the import's committer sends after writing a batch of drafts.
    products_bulk_saved.send(sender=Product, products=[draft, public])
    assert sent(subscription=plain) == []
    assert sent(subscription=with_drafts) == [("product.updated", "KH-100"), ("product.updated", "KH-700")]
    assert [row.payload["product"]["public"] for row in WebhookDelivery.objects.order_by("pk")] == [
        False,
        True,
    ]


def test_only_subscribed_event_types_are_recorded(subscribe, draft):
    subscribe(EventType.PRODUCT_DELETED)
    publish(draft)
    assert sent() == []


def test_publishing_delivers_after_the_commit_through_the_task(
    receiver, subscribe, draft, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    subscribe(EventType.PRODUCT_PUBLISHED)
    receiver.start()
    with django_capture_on_commit_callbacks(execute=True):
        draft.save_revision().publish()
        assert receiver.requests == []  # nothing leaves before the commit
    assert [r["json"]["product"]["article_number"] for r in receiver.requests] == ["KH-100"]
    assert WebhookDelivery.objects.get().delivered_at is not None
    assert delivery.drain() == {"delivered": 0, "failed": 0, "skipped": 0}
