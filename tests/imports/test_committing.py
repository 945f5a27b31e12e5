"""The committer: new products arrive as drafts, changes to published products are draft
revisions attributed to the importing user, publishing fires the catalog's change event, and
an edited file committed and read again changes nothing more."""

from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from pim.catalog.models import Lifecycle, Product, ProductPrice, ProductRelation
from pim.catalog.signals import products_changed
from pim.exports.models import ExportFormat
from pim.imports.committing import NotApplicable, apply, apply_deferred_relations
from pim.imports.planning import CREATE, INVALID, UNCHANGED, UPDATE, Planner
from pim.imports.records import IncomingPrice, IncomingProduct, Location, Raw
from tests.exports.conftest import catalog, export_root, immediate_tasks, make_channel  # noqa: F401
from tests.exports.test_tabular import export
from tests.exports.test_tabular_trade import traded  # noqa: F401

from .planning_helpers import edit_ten_cells, incoming_rows, read_csv_rows

# The fixtures of the export tests are imported by name and taken as arguments.
# ruff: noqa: F811

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="pm", password="x", is_staff=True)


@pytest.fixture
def events():
    received = []

    def listener(sender, product_ids, reason, **kwargs):
        received.append((reason, list(product_ids)))

    products_changed.connect(listener)
    yield received
    products_changed.disconnect(listener)


def _item(number, row=2, *, fields=None, names=None, values=None, prices=None) -> IncomingProduct:
    def raw(column, value, unit=""):
        return Raw(value, Location(row=row, column=column), unit)

    item = IncomingProduct(article_number=raw("article_number", number), location=Location(row=row))
    item.fields = {name: raw(name, value) for name, value in (fields or {}).items()}
    item.localized = {"name": {lang: raw(f"name ({lang})", text) for lang, text in (names or {}).items()}}
    if not names:
        item.localized = {}
    item.values = {code: raw(code, value) for code, value in (values or {}).items()}
    if prices is not None:
        item.prices = [
            IncomingPrice(kind, "EUR", raw(f"{kind}_price [EUR]", amount)) for kind, amount in prices.items()
        ]
    return item


def _plan_one(item, **options):
    [change] = Planner(**options).plan_batch([item])
    return change


def test_a_new_product_arrives_as_a_draft_with_a_first_revision_by_the_user(catalog, user, events):
    item = _item(
        "NEW-1",
        fields={"family": "valves", "gtin": "4006381333931"},
        names={"en": "New valve", "de": "Neues Ventil"},
        values={"max_pressure": "10 bar", "approvals": "fda|atex"},
        prices={"net_list": "9.90"},
    )
    item.categories = [Raw("ball-valves", Location(row=2, column="categories"))]
    change = _plan_one(item)
    assert change.action == CREATE

    product = apply(change, user=user, publish=False)

    product = Product.objects.get(pk=product.pk)
    assert (product.live, product.lifecycle) == (False, Lifecycle.DRAFT)
    assert product.name == {"en": "New valve", "de": "Neues Ventil"}
    assert product.gtin == "4006381333931"
    values = {row.attribute.code: row for row in product.values.all()}
    assert values["max_pressure"].number == pytest.approx(10e5)
    assert {row.option.code for row in product.values.filter(attribute__code="approvals")} == {"fda", "atex"}
    assert [(p.price_type, p.currency, p.amount) for p in product.prices.all()] == [
        ("net_list", "EUR", Decimal("9.9000"))
    ]
    assert [c.code for c in product.categories.all()] == ["ball-valves"]
    [revision] = product.revisions.all()
    assert revision.user == user
    # The rows are written in bulk; the revision holds them with their stored ids.
    draft = revision.as_object()
    assert sorted((r.pk, r.attribute.code) for r in draft.values.all()) == sorted(
        (r.pk, r.attribute.code) for r in product.values.all()
    )
    assert [(p.pk, p.amount) for p in draft.prices.all()] == [(p.pk, p.amount) for p in product.prices.all()]
    assert [c.code for c in draft.categories.all()] == ["ball-valves"]
    assert ModelLogEntry.objects.filter(
        object_id=str(product.pk), action="wagtail.create", user=user
    ).exists()
    assert events == []  # a draft is not public: no change event


def test_a_new_product_imported_with_publish_is_live_with_its_rows_and_fires_the_event(catalog, user, events):
    item = _item(
        "NEW-2",
        fields={"family": "valves"},
        names={"en": "Published valve"},
        values={"max_pressure": "16 bar"},
        prices={"net_list": "12.50"},
    )
    product = apply(_plan_one(item), user=user, publish=True)

    product = Product.objects.get(pk=product.pk)
    assert product.live and not product.has_unpublished_changes
    assert product.values.get(attribute__code="max_pressure").number == pytest.approx(16e5)
    assert [p.amount for p in product.prices.all()] == [Decimal("12.5000")]
    assert product.values.count() == 1 and product.prices.count() == 1  # published once, not twice
    assert ("published", [product.pk]) in events


def test_a_change_to_a_published_product_is_a_draft_revision_and_the_live_row_stays(catalog, user, events):
    full = catalog.products["full"]
    change = _plan_one(
        _item("KH-100", names={"en": "Ball valve DN15 brass"}, values={"max_pressure": "20 bar"})
    )
    assert change.action == UPDATE

    apply(change, user=user, publish=False)

    live = Product.objects.get(pk=full.pk)
    assert live.live
    assert live.name["en"] == "Ball valve DN15 & <brass>"
    assert live.values.get(attribute__code="max_pressure").number == pytest.approx(16e5)
    assert live.has_unpublished_changes
    assert live.latest_revision.user == user
    draft = live.get_latest_revision_as_object()
    assert draft.name == {"en": "Ball valve DN15 brass", "de": "Kugelhahn DN15 Messing"}
    pressure = [row for row in draft.values.all() if row.attribute.code == "max_pressure"]
    assert pressure[0].number == pytest.approx(20e5)
    # the other values and the prices are in the draft unchanged
    assert {row.attribute.code for row in draft.values.all()} == {
        row.attribute.code for row in live.values.all()
    }
    assert len(draft.prices.all()) == live.prices.count() == 5
    assert events == []


def test_publishing_the_import_fires_the_catalogs_change_event(catalog, user, events):
    full = catalog.products["full"]
    change = _plan_one(_item("KH-100", values={"max_pressure": "20 bar"}))

    apply(change, user=user, publish=True)

    live = Product.objects.get(pk=full.pk)
    assert live.values.get(attribute__code="max_pressure").number == pytest.approx(20e5)
    assert not live.has_unpublished_changes
    assert live.live_revision.user == user
    assert ("published", [full.pk]) in events
    assert ModelLogEntry.objects.filter(object_id=str(full.pk), action="wagtail.publish", user=user).exists()


def test_ten_edited_cells_committed_are_exactly_ten_changes_in_three_revisions(traded, export_root, user):
    run = export(make_channel(ExportFormat.CSV, code="import-commit"))
    rows = read_csv_rows(run.file_path())
    edit_ten_cells(rows)
    before = {p.article_number: p.revisions.count() for p in Product.objects.all()}
    full_prices = set(
        ProductPrice.objects.filter(product__article_number="KH-100").values_list("amount", "pk")
    )

    changes = Planner(user=user).plan_batch(incoming_rows(rows))
    for change in changes:
        apply(change, user=user, publish=True)

    after = {p.article_number: p.revisions.count() for p in Product.objects.all()}
    assert {number for number in after if after[number] != before[number]} == {"KH-100", "KH-200", "KH-300"}
    for number in ("KH-100", "KH-200", "KH-300"):
        product = Product.objects.get(article_number=number)
        assert after[number] == before[number] + 1
        assert product.latest_revision.user == user
    # the file read again is what the catalog now says
    again = Planner().plan_batch(incoming_rows(rows))
    assert {(c.article_number, c.action) for c in again} == {(c.article_number, UNCHANGED) for c in again}
    psi = Product.objects.get(article_number="KH-200")
    assert psi.values.get(attribute__code="body_material").option.code == "brass"
    assert [p.amount for p in psi.prices.filter(price_type="net_list")] == [Decimal("22.5000")]
    english = Product.objects.get(article_number="KH-300")
    assert [(p.price_type, p.amount, p.min_quantity) for p in english.prices.all()] == [
        ("gros_list", Decimal("19.9900"), Decimal("1.000"))
    ]
    full = Product.objects.get(article_number="KH-100")
    assert full.net_weight == Decimal("0.300000")
    # KH-100's prices are untouched: tiers, other currencies, expired prices stay
    assert set(full.prices.values_list("amount", "pk")) == full_prices


def test_an_import_adds_to_a_pending_draft_instead_of_discarding_it(catalog, user):
    full = Product.objects.get(pk=catalog.products["full"].pk)
    full.short_description = {"en": "Edited in the admin, not published yet"}
    full.save_revision(user=user)
    change = _plan_one(_item("KH-100", names={"en": "Renamed by import"}))
    apply(change, user=user, publish=False)
    draft = Product.objects.get(pk=full.pk).get_latest_revision_as_object()
    assert draft.name["en"] == "Renamed by import"
    assert draft.short_description == {"en": "Edited in the admin, not published yet"}


def test_a_change_already_in_the_pending_draft_is_no_change(catalog, user):
    """Importing the same edit twice without publishing: the second pass plans against the
    draft the first one left (as the committer edits it) and writes nothing."""
    full = Product.objects.get(pk=catalog.products["full"].pk)
    first = _plan_one(_item("KH-100", names={"en": "Renamed by import"}, values={"max_pressure": "232 psi"}))
    assert first.action == UPDATE
    apply(first, user=user, publish=False)
    revisions = full.revisions.count()

    again = _plan_one(_item("KH-100", names={"en": "Renamed by import"}, values={"max_pressure": "232 psi"}))

    assert again.action == UNCHANGED, again.changes
    assert apply(again, user=user, publish=False).pk == full.pk
    assert full.revisions.count() == revisions
    # The live row is untouched, and a different edit is still planned against the draft.
    assert Product.objects.get(pk=full.pk).name["en"] != "Renamed by import"
    other = _plan_one(_item("KH-100", names={"en": "Renamed again"}))
    assert other.action == UPDATE
    assert [(label, old, new) for label, old, new in other.changes if "Name" in label] == [
        ("Name (en)", "Renamed by import", "Renamed again")
    ]


def test_a_change_with_errors_is_not_written(catalog, user):
    change = _plan_one(_item("KH-100", values={"max_pressure": "20 parsecs"}))
    assert change.action == INVALID
    with pytest.raises(NotApplicable):
        apply(change, user=user, publish=True)
    assert not Product.objects.get(pk=catalog.products["full"].pk).has_unpublished_changes


def test_relations_to_articles_later_in_the_file_are_linked_in_a_second_pass(catalog, user):
    first = _item("NEW-A", 2, fields={"family": "valves"}, names={"en": "A"})
    first.relations = {"accessory": [Raw("NEW-B|KH-100", Location(row=2, column="accessories"))]}
    second = _item("NEW-B", 3, fields={"family": "valves"}, names={"en": "B"})
    planner = Planner()
    changes = planner.plan_batch([first]) + planner.plan_batch([second])
    assert planner.finish() == []
    for change in changes:
        apply(change, user=user, publish=False)
    new_a = Product.objects.get(article_number="NEW-A")
    assert [r.target.article_number for r in new_a.relations.all()] == ["KH-100"]

    apply_deferred_relations(changes[0], user=user, publish=False)

    assert sorted(r.target.article_number for r in ProductRelation.objects.filter(product=new_a)) == [
        "KH-100",
        "NEW-B",
    ]
    assert new_a.revisions.count() == 2
    second = new_a.revisions.order_by("-pk").first()
    assert second.user == user
    assert sorted(r.target.article_number for r in second.as_object().relations.all()) == ["KH-100", "NEW-B"]
    assert ModelLogEntry.objects.filter(object_id=str(new_a.pk), action="wagtail.edit", user=user).exists()
    # Nothing is linked twice when the pass runs again.
    apply_deferred_relations(changes[0], user=user, publish=False)
    assert ProductRelation.objects.filter(product=new_a).count() == 2


def test_a_file_that_states_the_whole_price_list_replaces_it(catalog, user):
    def bmecat_prices(*tiers):
        item = _item("KH-100")
        item.prices_replace_all = True
        item.prices = [
            IncomingPrice(
                "net_list",
                "EUR",
                Raw(amount, Location(line=10, column="PRICE_AMOUNT")),
                min_quantity=Raw(quantity, Location(line=11, column="LOWER_BOUND")),
            )
            for amount, quantity in tiers
        ]
        return item

    change = _plan_one(bmecat_prices(("10.00", "1"), ("9.00", "10")))
    assert change.action == UPDATE
    assert ("Net list price (EUR, from 10)", "", "9") in change.changes
    apply(change, user=user, publish=True)
    prices = Product.objects.get(article_number="KH-100").prices.order_by("min_quantity")
    today = timezone.localdate()
    current_eur = [p for p in prices if p.currency == "EUR" and not (p.valid_to and p.valid_to < today)]
    assert [(p.price_type, p.currency, p.amount, p.min_quantity) for p in current_eur] == [
        ("net_list", "EUR", Decimal("10.0000"), Decimal("1.000")),
        ("net_list", "EUR", Decimal("9.0000"), Decimal("10.000")),
    ]
    # the file states EUR from today on: the USD price and the expired row stay
    assert any(p.currency == "USD" for p in prices)
    assert any(p.valid_to and p.valid_to < today for p in prices)
    assert _plan_one(bmecat_prices(("10", "1"), ("9", "10.0"))).action == UNCHANGED


def test_new_products_of_a_batch_are_written_in_bulk_each_with_its_revision_and_log_entry(catalog, user):
    """``create_drafts``: a fixed number of queries for a batch of any size, and for each
    product what Wagtail's create action leaves (a draft, one revision by the user holding
    its rows, a ``wagtail.create`` entry) plus the save's change records (the search outbox)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pim.imports.committing import create_drafts
    from pim.search.models import OutboxEntry

    def batch(prefix, count):
        items = [
            _item(
                f"{prefix}-{n}",
                row=n + 2,
                fields={"family": "valves"},
                names={"en": f"Valve {n}"},
                values={"max_pressure": f"{10 + n} bar", "approvals": "fda|atex"},
                prices={"net_list": f"{n}.50"},
            )
            for n in range(count)
        ]
        changes = Planner().plan_batch(items)
        assert {c.action for c in changes} == {CREATE}
        with CaptureQueriesContext(connection) as queries:
            products = create_drafts(changes, user=user)
        return products, len(queries)

    small, small_queries = batch("BULK-S", 2)
    large, large_queries = batch("BULK-L", 12)

    assert large_queries == small_queries
    for product in small + large:
        product = Product.objects.get(pk=product.pk)
        assert (product.live, product.has_unpublished_changes) == (False, True)
        [revision] = product.revisions.all()
        assert (product.latest_revision_id, revision.user) == (revision.pk, user)
        draft = revision.as_object()
        assert sorted(r.pk for r in draft.values.all()) == sorted(r.pk for r in product.values.all())
        assert len(draft.values.all()) == 3  # a pressure and two approvals
        assert [p.amount for p in draft.prices.all()] == [p.amount for p in product.prices.all()]
        assert ModelLogEntry.objects.filter(
            object_id=str(product.pk), action="wagtail.create", user=user, revision=revision
        ).exists()
    outbox = set(OutboxEntry.objects.values_list("product_id", flat=True))
    assert {p.pk for p in small + large} <= outbox
