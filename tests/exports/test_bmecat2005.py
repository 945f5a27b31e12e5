"""BMEcat 2005 exports of a real (small) catalog, validated against the official schema."""

from datetime import timedelta
from decimal import Decimal

import pytest

from pim.catalog.models import Lifecycle, Product
from pim.exports import source
from pim.exports.mime import MimeEntry
from pim.exports.models import ChannelAttribute, ExportFormat, FeatureSystem, RunKind, RunStatus
from pim.exports.runs import run_export

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db

NS = {"b": "http://www.bmecat.org/bmecat/2005"}


def export(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def product_element(document, article_number):
    found = document.xpath("//b:PRODUCT[b:SUPPLIER_PID=$number]", namespaces=NS, number=article_number)
    assert len(found) == 1, f"{article_number} appears {len(found)} times"
    return found[0]


def texts(element, path):
    return [node.text for node in element.xpath(path, namespaces=NS)]


def feature_values(product, fname):
    return texts(product, f"b:PRODUCT_FEATURES/b:FEATURE[b:FNAME='{fname}']/b:FVALUE")


@pytest.mark.parametrize("languages", ["en", "de", "en,de", "de,en"])
def test_full_catalog_is_valid_in_every_language_combination(catalog, export_root, languages):
    channel = make_channel(ExportFormat.BMECAT_2005, languages=languages)
    run = export(channel)
    document = assert_valid(run.file_path(), "2005")
    codes = {"en": "eng", "de": "deu"}
    expected = [codes[code] for code in languages.split(",")]
    assert texts(document, "//b:CATALOG/b:LANGUAGE") == expected
    assert document.xpath("//b:CATALOG/b:LANGUAGE[1]/@default", namespaces=NS) == ["true"]
    full = product_element(document, "KH-100")
    names = {
        node.get("lang"): node.text
        for node in full.xpath("b:PRODUCT_DETAILS/b:DESCRIPTION_SHORT", namespaces=NS)
    }
    wanted = {"eng": "Ball valve DN15 & <brass>", "deu": "Kugelhahn DN15 Messing"}
    assert names == {code: wanted[code] for code in expected}
    # the English-only product has no German text; in a German-only catalog it is skipped
    if languages == "de":
        assert not document.xpath("//b:PRODUCT[b:SUPPLIER_PID='KH-300']", namespaces=NS)
        assert run.issues.filter(article_number="KH-300", message__contains="no name").exists()
    else:
        product_element(document, "KH-300")


def test_only_public_exportable_products_appear(catalog, export_root):
    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    exported = set(texts(document, "//b:PRODUCT/b:SUPPLIER_PID"))
    assert exported == {"KH-100", "KH-200", "KH-300", "KH-SER-15"}
    assert run.product_count == 4
    # drafts and discontinued products never appear, not even as references
    assert "KH-DRAFT" not in run.file_path().read_text()
    assert "KH-OLD" not in run.file_path().read_text()
    # a product the format cannot carry is skipped and listed, not dropped silently
    assert run.skipped_count == 1
    issue = run.issues.get()
    assert issue.article_number == catalog.products["long_number"].article_number
    assert "32" in issue.message and "SUPPLIER_PID" in issue.message


def test_product_content(catalog, export_root):
    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    full = product_element(document, "KH-100")
    assert texts(full, "b:PRODUCT_DETAILS/b:INTERNATIONAL_PID[@type='gtin']") == [
        catalog.products["full"].gtin
    ]
    assert texts(full, "b:PRODUCT_DETAILS/b:MANUFACTURER_PID") == ["MF-100"]
    assert texts(full, "b:PRODUCT_DETAILS/b:MANUFACTURER_NAME") == ["Acme Valves"]
    assert texts(full, "b:PRODUCT_DETAILS/b:DESCRIPTION_LONG[@lang='eng']") == [
        "A robust two-way ball valve.\nFull bore."
    ]
    # ETIM features with codes, values converted to the feature's unit, ETIM unit codes
    assert texts(
        full, "b:PRODUCT_FEATURES[b:REFERENCE_FEATURE_SYSTEM_NAME]/b:REFERENCE_FEATURE_SYSTEM_NAME"
    ) == ["ETIM-6.0"]
    assert texts(full, "b:PRODUCT_FEATURES/b:REFERENCE_FEATURE_GROUP_ID") == ["EC011111"]
    assert feature_values(full, "EF000001") == ["16"]
    assert texts(full, "b:PRODUCT_FEATURES/b:FEATURE[b:FNAME='EF000001']/b:FUNIT") == ["EU570056"]
    assert feature_values(full, "EF000002") == ["-10", "120"]
    assert feature_values(full, "EF000003") == ["EV000004"]  # brass
    assert sorted(feature_values(full, "EF000004")) == ["EV000002", "EV000003"]  # dvgw, fda
    assert feature_values(full, "EF000005") == ["true"]
    assert feature_values(full, "EF000006") == ["15"]
    # the attribute without an ETIM code goes to the catalog's own features, per language
    own = full.xpath("b:PRODUCT_FEATURES[not(b:REFERENCE_FEATURE_SYSTEM_NAME)]/b:FEATURE", namespaces=NS)
    assert len(own) == 1
    assert texts(own[0], "b:FNAME[@lang='deu']") == ["Hinweis"]
    assert texts(own[0], "b:FVALUE[@lang='deu']") == ["Mit Hebel"]
    # order details with UN/ECE units
    assert texts(full, "b:PRODUCT_ORDER_DETAILS/b:ORDER_UNIT") == ["C62"]
    assert texts(full, "b:PRODUCT_ORDER_DETAILS/b:QUANTITY_MIN") == ["5"]
    psi = product_element(document, "KH-200")
    assert texts(psi, "b:PRODUCT_ORDER_DETAILS/b:ORDER_UNIT") == ["PK"]
    assert texts(psi, "b:PRODUCT_ORDER_DETAILS/b:NO_CU_PER_OU") == ["10"]
    # entered as 232 psi, stored canonically, exported in bar
    assert float(feature_values(psi, "EF000001")[0]) == pytest.approx(15.9958, abs=1e-4)
    assert psi.xpath("b:PRODUCT_DETAILS/b:PRODUCT_STATUS/@type", namespaces=NS)[0] == "old_product"


def test_prices_in_channel_currency_with_tiers_and_validity(catalog, export_root):
    run = export(make_channel())
    full = product_element(assert_valid(run.file_path(), "2005"), "KH-100")
    blocks = full.xpath("b:PRODUCT_PRICE_DETAILS", namespaces=NS)
    prices = [
        (
            block.findtext("b:DATETIME[@type='valid_start_date']/b:DATE", namespaces=NS),
            price.get("price_type"),
            price.findtext("b:PRICE_AMOUNT", namespaces=NS),
            price.findtext("b:PRICE_CURRENCY", namespaces=NS),
            price.findtext("b:LOWER_BOUND", namespaces=NS),
        )
        for block in blocks
        for price in block.xpath("b:PRODUCT_PRICE", namespaces=NS)
    ]
    gross = catalog.products["full"].prices.get(price_type="gros_list")
    assert prices == [
        (None, "net_list", "12.5", "EUR", "1"),
        (None, "net_list", "11", "EUR", "50"),
        (gross.valid_from.isoformat(), "gros_list", "14.88", "EUR", "1"),
    ]  # no USD price, no expired price
    no_price = product_element(assert_valid(run.file_path(), "2005"), "KH-300")
    assert no_price.xpath("b:PRODUCT_PRICE_DETAILS/b:PRODUCT_PRICE/@price_type", namespaces=NS) == [
        "on_request"
    ]


def test_references_categories_and_variants(catalog, export_root):
    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    full = product_element(document, "KH-100")
    refs = [
        (r.get("type"), r.get("quantity"), r.findtext("b:PROD_ID_TO", namespaces=NS))
        for r in full.xpath("b:PRODUCT_REFERENCE", namespaces=NS)
    ]
    assert refs == [("accessories", "2", "KH-200")]  # the spare part is a draft: not referenced
    psi = product_element(document, "KH-200")
    assert {
        (r.get("type"), r.findtext("b:PROD_ID_TO", namespaces=NS))
        for r in psi.xpath("b:PRODUCT_REFERENCE", namespaces=NS)
    } == {
        ("similar", "KH-100"),
        ("followup", "KH-100"),
    }
    structure = {
        s.findtext("b:GROUP_ID", namespaces=NS): (s.get("type"), s.findtext("b:PARENT_ID", namespaces=NS))
        for s in document.xpath("//b:CATALOG_STRUCTURE", namespaces=NS)
    }
    assert structure == {
        "ROOT": ("root", "0"),
        "valves": ("node", "ROOT"),
        "ball-valves": ("leaf", "valves"),
        "fittings": ("leaf", "ROOT"),
    }
    mapping = {
        (m.findtext("b:PROD_ID", namespaces=NS), m.findtext("b:CATALOG_GROUP_ID", namespaces=NS))
        for m in document.xpath("//b:PRODUCT_TO_CATALOGGROUP_MAP", namespaces=NS)
    }
    assert mapping == {
        ("KH-100", "ball-valves"),
        ("KH-200", "ball-valves"),
        ("KH-300", "fittings"),
        ("KH-SER-15", "ball-valves"),
    }
    variant = product_element(document, "KH-SER-15")
    assert feature_values(variant, "EF000003") == ["EV000005"]  # inherited from the product model
    assert feature_values(variant, "EF000001") == ["40"]  # the variant's own


def test_channel_scope_attribute_selection_and_names(catalog, export_root):
    channel = make_channel(feature_system=FeatureSystem.OWN)
    channel.categories.set([catalog.categories["fittings"]])
    channel.save()
    ChannelAttribute.objects.create(
        channel=channel, attribute=catalog.family.attributes.get(code="max_pressure"), export_name="Druck max"
    )
    run = export(channel)
    document = assert_valid(run.file_path(), "2005")
    assert texts(document, "//b:PRODUCT/b:SUPPLIER_PID") == ["KH-300"]
    assert texts(document, "//b:CATALOG_STRUCTURE/b:GROUP_ID") == ["ROOT", "fittings"]
    product = product_element(document, "KH-300")
    features = product.xpath("b:PRODUCT_FEATURES/b:FEATURE", namespaces=NS)
    assert [
        (
            f.findtext("b:FNAME", namespaces=NS),
            f.findtext("b:FVALUE", namespaces=NS),
            f.findtext("b:FUNIT", namespaces=NS),
        )
        for f in features
    ] == [("Druck max", "10", "BAR")]


def test_eclass_feature_system(catalog, export_root):
    from pim.catalog.models import Attribute, AttributeOption

    catalog.family.eclass_code = "27-27-01-01"
    catalog.family.save()
    Attribute.objects.filter(code="max_pressure").update(eclass_code="0173-1#02-AAB396#005")
    Attribute.objects.filter(code="body_material").update(eclass_code="0173-1#02-AAC519#005")
    AttributeOption.objects.filter(attribute__code="body_material", code="brass").update(
        eclass_code="0173-1#07-AAA123#001"
    )
    run = export(
        make_channel(
            feature_system=FeatureSystem.ECLASS, feature_system_version="12.0", include_other_attributes=False
        )
    )
    full = product_element(assert_valid(run.file_path(), "2005"), "KH-100")
    assert texts(full, "b:PRODUCT_FEATURES/b:REFERENCE_FEATURE_SYSTEM_NAME") == ["ECLASS-12.0"]
    assert texts(full, "b:PRODUCT_FEATURES/b:REFERENCE_FEATURE_GROUP_ID") == ["27-27-01-01"]
    assert texts(full, "b:PRODUCT_FEATURES/b:FEATURE/b:FNAME") == [
        "0173-1#02-AAB396#005",
        "0173-1#02-AAC519#005",
    ]
    assert texts(full, "b:PRODUCT_FEATURES/b:FEATURE/b:FUNIT") == ["BAR"]


def test_mime_info_from_the_assets_hook(catalog, export_root, monkeypatch):
    full = catalog.products["full"]

    def fake_entries(products, **options):
        return {
            p.pk: [
                MimeEntry(
                    source="images/kh-100.jpg",
                    purpose="normal",
                    kind="image",
                    mime_type="image/jpeg",
                    descriptions={"en": "Front view", "de": "Vorderansicht"},
                ),
                MimeEntry(
                    source="https://cdn.example.com/kh-100.png",
                    purpose="detail",
                    kind="image",
                    mime_type="image/png",
                ),
                MimeEntry(
                    source="docs/kh-100.pdf",
                    purpose="data_sheet",
                    kind="datasheet",
                    mime_type="application/pdf",
                ),
                MimeEntry(source="cad/kh-100.step", purpose="cad", kind="cad", mime_type="model/step"),
            ]
            for p in products
            if p.pk == full.pk
        }

    monkeypatch.setattr(source, "mime_entries_for", fake_entries)
    run = export(make_channel())
    product = product_element(assert_valid(run.file_path(), "2005"), "KH-100")
    mimes = product.xpath("b:MIME_INFO/b:MIME", namespaces=NS)
    rows = [
        (
            m.findtext("b:MIME_SOURCE", namespaces=NS),
            m.findtext("b:MIME_TYPE", namespaces=NS),
            m.findtext("b:MIME_PURPOSE", namespaces=NS),
        )
        for m in mimes
    ]
    assert rows == [
        ("images/kh-100.jpg", "image/jpeg", "normal"),
        # no JPEG rendition offered, and the schema has no image/png: its format token
        ("https://cdn.example.com/kh-100.png", "png", "detail"),
        ("docs/kh-100.pdf", "application/pdf", "data_sheet"),
        ("cad/kh-100.step", "step", "others"),  # BMEcat 2005 has no CAD purpose
    ]
    assert texts(mimes[0], "b:MIME_DESCR[@lang='deu']") == ["Vorderansicht"]


def test_mime_hook_is_optional_and_coerces_mappings(catalog, monkeypatch):
    from types import SimpleNamespace

    from pim.exports import mime

    product = catalog.products["full"]
    monkeypatch.setattr(mime, "_hook_module", lambda: None)
    assert mime.mime_entries_for([product]) == {}  # no assets app: no assets, no error

    fake = SimpleNamespace(
        mime_entries_for_products=lambda ids: {
            pk: [{"source": "a.jpg", "purpose": "normal", "kind": "image", "unknown_key": 1}] for pk in ids
        }
    )
    monkeypatch.setattr(mime, "_hook_module", lambda: fake)
    entries = mime.mime_entries_for([product])
    assert entries == {product.pk: [MimeEntry(source="a.jpg", purpose="normal", kind="image")]}
    assert mime.asset_kinds_for([product]) == {product.pk: frozenset({"image"})}

    single = SimpleNamespace(
        mime_entries=lambda p: [MimeEntry(source=f"{p.article_number}.pdf", purpose="data_sheet")]
    )
    monkeypatch.setattr(mime, "_hook_module", lambda: single)
    assert mime.mime_entries_for([product])[product.pk][0].source == "KH-100.pdf"


def test_unit_codes_the_schema_rejects_are_skipped_and_listed(catalog, export_root):
    Product.objects.filter(pk=catalog.products["psi"].pk).update(order_unit="PCE")
    run = export(make_channel())
    document = assert_valid(run.file_path(), "2005")
    assert not document.xpath("//b:PRODUCT[b:SUPPLIER_PID='KH-200']", namespaces=NS)
    issue = run.issues.get(article_number="KH-200")
    assert "PCE" in issue.message and "C62" in issue.message


def test_minimum_completeness_skips_and_lists(catalog, export_root):
    from pim.exports.models import ChannelRequirement

    channel = make_channel(min_completeness=100)
    ChannelRequirement.objects.create(channel=channel, kind="field", field="gtin")
    ChannelRequirement.objects.create(
        channel=channel, kind="attribute", attribute=catalog.family.attributes.get(code="food_grade")
    )
    run = export(channel)
    document = assert_valid(run.file_path(), "2005")
    assert texts(document, "//b:PRODUCT/b:SUPPLIER_PID") == ["KH-100"]
    issue = run.issues.get(article_number="KH-200")
    assert "GTIN" in issue.message and "below the channel's 100%" in issue.message


def test_delta_update_products_is_valid_and_has_modes(catalog, export_root, settings):
    from django.utils import timezone

    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel()
    export(channel)
    since = timezone.now()
    products = catalog.products
    # a change, a discontinuation, a deletion, an unpublish, and a new product
    Product.objects.filter(pk=products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since - timedelta(days=3)
    )
    psi = products["psi"]
    psi.lifecycle = Lifecycle.DISCONTINUED
    psi.first_published_at = since - timedelta(days=3)
    psi.save()
    variant = products["variant"]
    variant_number = variant.article_number
    variant.delete()
    from pim.catalog.signals import notify

    english = products["english_only"]
    english.live = False
    english.first_published_at = since - timedelta(days=3)
    english.save()
    notify([english.pk], "unpublished")
    from tests.factories import make_product

    new = make_product(
        catalog.family, article_number="KH-NEW", name={"en": "New valve"}, first_published_at=timezone.now()
    )
    new.categories.set([catalog.categories["ball"]])
    new.save()

    run = export(channel, kind=RunKind.DELTA, since=since)
    document = assert_valid(run.file_path(), "2005")
    assert document.xpath("//b:T_UPDATE_PRODUCTS/@prev_version", namespaces=NS) == ["0"]
    modes = {
        p.findtext("b:SUPPLIER_PID", namespaces=NS): p.get("mode")
        for p in document.xpath("//b:PRODUCT", namespaces=NS)
    }
    assert modes == {
        "KH-100": "update",
        "KH-200": "delete",  # discontinued: only as a deletion
        "KH-300": "delete",  # unpublished
        variant_number: "delete",  # deleted: the change log kept its number
        "KH-NEW": "new",
    }
    assert run.product_count == 2 and run.deleted_count == 3
    assert texts(document, "//b:PRODUCT_TO_CATALOGGROUP_MAP[@mode='new']/b:PROD_ID") == ["KH-100", "KH-NEW"]


def test_delta_without_changes_writes_no_file(catalog, export_root, settings):
    from django.utils import timezone

    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    run = export(make_channel(), kind=RunKind.DELTA, since=timezone.now())
    assert run.file_path() is None and run.product_count == 0


def test_price_update_is_valid(catalog, export_root, settings):
    from django.utils import timezone

    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    since = timezone.now()
    full = catalog.products["full"]
    full.prices.filter(min_quantity=Decimal("50")).update(amount=Decimal("10.50"))
    Product.objects.filter(pk=full.pk).update(updated_at=timezone.now())
    run = export(make_channel(), kind=RunKind.PRICES, since=since)
    document = assert_valid(run.file_path(), "2005")
    assert texts(document, "//b:T_UPDATE_PRICES/b:PRODUCT/b:SUPPLIER_PID") == ["KH-100"]
    assert "10.5" in texts(document, "//b:PRICE_AMOUNT")
    assert not document.xpath("//b:PRODUCT_DETAILS", namespaces=NS)


def test_bulk_read_values_match_the_catalogs_effective_values(catalog):
    from pim.catalog.values import effective_values
    from pim.exports.models import Channel
    from pim.exports.source import ExportContext

    def signature(values):
        return {
            code: sorted(
                (r.option_id, r.number, r.number_min, r.number_max, r.boolean, r.text, str(r.text_localized))
                for r in rows
            )
            for code, rows in values.items()
        }

    context = ExportContext(Channel(code="x", format="jsonl", languages="en,de"))
    products = list(Product.objects.order_by("pk"))
    records = context.load([p.pk for p in products])
    assert len(records) == len(products)
    for product, record in zip(products, records, strict=True):
        assert signature(record.values) == signature(effective_values(product)), product.article_number
