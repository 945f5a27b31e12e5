"""Asset changes that change what products offer for download send the catalog's
``products_changed`` ("assets_changed") for exactly the products they reach, in the transaction
of the change: the search outbox (and every other listener) gets them."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from pim.assets import samples
from pim.assets.models import AssetKind, AssetLink
from pim.assets.services import add_revision, create_asset, link_asset, unlink_asset
from pim.assets.signals import report_assets_becoming_valid
from pim.catalog.models import Category, ProductModel
from pim.catalog.signals import products_changed
from pim.search.models import OutboxEntry
from tests.factories import make_category_shelf, make_pdf_asset, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(family):
    """The category shelf of :func:`tests.factories.make_category_shelf`, plus a second series
    T with a variant T-1 that sits in no category."""
    items = make_category_shelf(family)
    other_series = ProductModel.objects.create(code="T", name={"en": "Other"}, family=family, live=True)
    items["other_variant"] = make_product(family, article_number="T-1", product_model=other_series)
    return items


@pytest.fixture
def events():
    """What ``products_changed`` delivered: [(reason, {article numbers})]."""
    received = []

    def listener(sender, product_ids, reason, **kwargs):
        from pim.catalog.models import Product

        received.append(
            (reason, set(Product.objects.filter(pk__in=product_ids).values_list("article_number", flat=True)))
        )

    products_changed.connect(listener, weak=False, dispatch_uid="tests.assets.events")
    yield received
    products_changed.disconnect(dispatch_uid="tests.assets.events")


@pytest.fixture
def watch(events):
    """Run a change on a clean slate; returns (articles with a search outbox entry, articles
    of each "assets_changed" products_changed event)."""

    def run(change):
        OutboxEntry.objects.all().delete()
        events.clear()
        change()
        from pim.catalog.models import Product

        entries = OutboxEntry.objects.values("product_id")
        outbox = set(Product.objects.filter(pk__in=entries).values_list("article_number", flat=True))
        return outbox, [articles for reason, articles in events if reason == "assets_changed"]

    return run


def test_a_product_link_reports_that_product(shelf, watch):
    asset = make_pdf_asset("Datasheet")
    outbox, events = watch(lambda: link_asset(asset, shelf["valve"]))
    assert outbox == {"V-1"}
    assert events == [{"V-1"}]
    assert set(OutboxEntry.objects.values_list("reason", flat=True)) == {"assets_changed"}


def test_a_product_model_link_reports_its_variants(shelf, watch):
    step = create_asset(BytesIO(samples.step_box("S")), filename="s.step", kind=AssetKind.CAD_3D).asset
    outbox, events = watch(lambda: link_asset(step, shelf["series"]))
    assert outbox == {"S-1", "S-2"}
    assert events == [{"S-1", "S-2"}]


def test_a_category_link_reports_its_subtree_directly_and_through_product_models(shelf, watch):
    certificate = make_pdf_asset("Certificate", AssetKind.CERTIFICATE)
    outbox, _events = watch(lambda: link_asset(certificate, shelf["valves"]))
    # everything the link reaches, also the hidden valve (its document stays "not indexed")
    assert outbox == {"V-1", "V-H", "S-1", "S-2"}
    outbox, _events = watch(lambda: link_asset(certificate, shelf["pumps"]))
    assert outbox == {"S-2", "P-1"}


def test_making_an_asset_non_public_reports_every_product_it_reaches(shelf, watch):
    manual = make_pdf_asset("Manual", AssetKind.MANUAL)
    link_asset(manual, shelf["valve"])
    link_asset(manual, shelf["series"])
    link_asset(manual, shelf["pumps"])

    def hide():
        manual.public = False
        manual.save()

    outbox, events = watch(hide)
    assert outbox == {"V-1", "S-1", "S-2", "P-1"}
    assert len(events) == 1  # one event for all of them

    def later():
        manual.valid_from = timezone.localdate() + timedelta(days=30)
        manual.save()

    assert watch(later)[0] == {"V-1", "S-1", "S-2", "P-1"}


def test_a_save_that_changes_nothing_the_rule_reads_is_no_event(shelf, watch):
    manual = make_pdf_asset("Manual", AssetKind.MANUAL)
    link_asset(manual, shelf["valve"])

    def retitle():
        manual.title = {"en": "Operating manual"}
        manual.save()

    assert watch(retitle) == (set(), [])
    assert watch(lambda: manual.save(update_fields=["title"])) == (set(), [])


def test_replacing_the_file_reports_the_products(shelf, watch):
    sheet = make_pdf_asset("Datasheet")
    link_asset(sheet, shelf["series"])
    new_file = BytesIO(samples.simple_pdf("Datasheet", ["second edition"]))
    outbox, _events = watch(lambda: add_revision(sheet, new_file, filename="datasheet.pdf"))
    assert outbox == {"S-1", "S-2"}


def test_deleting_the_current_revision_reports_the_products(shelf, watch):
    sheet = make_pdf_asset("Datasheet")
    link_asset(sheet, shelf["valve"])
    outbox, _events = watch(lambda: sheet.current_revision.delete())
    assert outbox == {"V-1"}
    sheet.refresh_from_db()
    assert sheet.current_revision is None


def test_deleting_an_asset_reports_its_products_once(shelf, watch):
    certificate = make_pdf_asset("Certificate", AssetKind.CERTIFICATE)
    link_asset(certificate, shelf["ball"])
    link_asset(certificate, shelf["pump"])
    outbox, events = watch(certificate.delete)
    assert outbox == {"V-1", "V-H", "S-1", "S-2", "P-1"}
    assert events == [{"V-1", "V-H", "S-1", "S-2", "P-1"}]  # before the links went, not per link


def test_unlinking_and_moving_a_link(shelf, watch):
    sheet = make_pdf_asset("Datasheet")
    link = link_asset(sheet, shelf["valve"])
    assert watch(lambda: unlink_asset(sheet, shelf["valve"]))[0] == {"V-1"}

    link = link_asset(sheet, shelf["valve"])

    def move():
        link.product = None
        link.product_model = shelf["series"]
        link.save()

    assert watch(move)[0] == {"V-1", "S-1", "S-2"}  # the old target loses it, the new one gains it
    assert watch(lambda: AssetLink.objects.filter(pk=link.pk).delete())[0] == {"S-1", "S-2"}


def test_category_moves_and_deletions_change_what_the_subtree_inherits(shelf, watch):
    certificate = make_pdf_asset("Certificate", AssetKind.CERTIFICATE)
    link_asset(certificate, shelf["valves"])
    pumps = shelf["pumps"]

    def move():
        pumps.parent = shelf["valves"]
        pumps.save()

    # the category's own products get "category_changed" from search as well
    assert watch(move) == ({"S-2", "P-1"}, [{"S-2", "P-1"}])
    leaf = Category.objects.create(code="leaf", name={"en": "Leaf"}, parent=shelf["ball"])
    shelf["pump"].categories.add(leaf)
    shelf["pump"].save()
    assert watch(leaf.delete)[0] == {"P-1"}
    # no category links above: deleting a category is not an assets event
    lonely = Category.objects.create(code="lonely", name={"en": "Lonely"})
    assert watch(lonely.delete) == (set(), [])


def test_deleting_a_product_leaves_the_event_to_the_catalog(shelf, watch, events):
    sheet = make_pdf_asset("Datasheet")
    link_asset(sheet, shelf["pump"])
    OutboxEntry.objects.all().delete()
    events.clear()
    shelf["pump"].delete()
    assert [reason for reason, _articles in events] == ["deleted"]


def test_assets_becoming_valid_are_reported_by_the_daily_call(shelf, watch):
    today = timezone.localdate()
    soon = make_pdf_asset("Manual next edition", AssetKind.MANUAL, valid_from=today + timedelta(days=2))
    link_asset(soon, shelf["series"])
    link_asset(make_pdf_asset("Old datasheet", valid_from=today - timedelta(days=10)), shelf["pump"])
    # the day it becomes valid nothing in the database changes: the daily call reports it
    assert watch(lambda: report_assets_becoming_valid(today)) == (set(), [])
    in_two_days = today + timedelta(days=2)
    assert watch(lambda: report_assets_becoming_valid(today, in_two_days)) == (
        {"S-1", "S-2"},
        [{"S-1", "S-2"}],
    )
    assert watch(lambda: report_assets_becoming_valid(in_two_days, in_two_days)) == (set(), [])


def test_the_bulk_made_demo_links_report_what_they_reach_once(family, events):
    """``attach_demo_assets`` links manuals with bulk_create: it reports their products itself
    (the command path), and the demo_catalog receiver adds no event of its own."""
    from io import StringIO
    from random import Random

    from pim.assets.demo import attach_demo_assets
    from pim.catalog.models import Product
    from pim.catalog.signals import demo_catalog_built

    root = Category.objects.create(code="valves", name={"en": "Valves"})
    leaf = Category.objects.create(code="ball", name={"en": "Ball valves"}, parent=root)
    series = ProductModel.objects.create(code="KH-S", name={"en": "KH series"}, family=family, live=True)
    for index in range(2):
        make_product(family, article_number=f"KH-S-{index}", product_model=series)
    single = make_product(family, article_number="KH-1")
    single.categories.set([leaf])
    single.save()
    products = Product.objects.filter(article_number__in=["KH-S-0", "KH-S-1", "KH-1"])

    def assets_events():
        return [articles for reason, articles in events if reason == "assets_changed"]

    OutboxEntry.objects.all().delete()
    events.clear()
    attach_demo_assets(products, Random(3))
    variants, everything = {"KH-S-0", "KH-S-1"}, {"KH-S-0", "KH-S-1", "KH-1"}
    expected = [
        *[variants] * 4,  # picture, STEP, STL, DXF on the series
        *[{"KH-1"}] * 4,  # the same on the standalone product
        everything,  # the family's manual, bulk-created: one event for its products
        {"KH-1"},  # the certificate on the root category reaches the product in its subtree
    ]
    assert assets_events() == expected
    assert (
        set(
            Product.objects.filter(pk__in=OutboxEntry.objects.values("product_id")).values_list(
                "article_number", flat=True
            )
        )
        == everything
    )

    # again: every link exists, nothing is made, nothing is reported
    events.clear()
    attach_demo_assets(products, Random(3))
    assert assets_events() == []

    # through demo_catalog's signal: the same events as the first direct run, nothing more
    AssetLink.objects.all().delete()
    events.clear()
    demo_catalog_built.send(sender=None, products=products, seed=3, verbosity=0, stdout=StringIO())
    assert assets_events() == expected


def test_deleting_a_category_reports_only_its_products_while_mptt_closes_the_gap(family, watch):
    """django-mptt shifts the nodes right of a deleted category (and shrinks its ancestors)
    before pre_delete: neither the next sibling's products nor the last child's go astray."""
    top = Category.objects.create(code="top", name={"en": "Top"})
    first = Category.objects.create(code="a-first", name={"en": "First"}, parent=top)
    middle = Category.objects.create(code="b-middle", name={"en": "Middle"}, parent=top)
    last = Category.objects.create(code="c-last", name={"en": "Last"}, parent=top)
    for article, category in (("P-A", first), ("P-B", middle), ("P-C", last)):
        item = make_product(family, article_number=article)
        item.categories.set([category])
        item.save()
    link_asset(make_pdf_asset("Certificate", AssetKind.CERTIFICATE), top)

    # not the products of "Middle", which moved into the range "First" had
    assert watch(first.delete) == ({"P-A"}, [{"P-A"}])
    # the last child: its parent's rght already shrank below the child's own
    assert watch(last.delete) == ({"P-C"}, [{"P-C"}])
