"""The ETIM BMEcat guideline 5.0 and BMEcat 1.2 variants, validated against their schemas."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pim.catalog.models import Family, Lifecycle, Product
from pim.exports import source
from pim.exports.mime import MimeEntry
from pim.exports.models import ExportFormat, RunKind, RunStatus
from pim.exports.runs import run_export
from tests.factories import make_product

from .conftest import assert_valid, make_channel

pytestmark = pytest.mark.django_db

ETIM = {"e": "https://www.etim-international.com/bmecat/50"}
V12 = {
    "new": {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_new_catalog"},
    "products": {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_update_products"},
    "prices": {"b": "http://www.bmecat.org/XMLSchema/1.2/bmecat_update_prices"},
}


def export(channel, **options):
    run = run_export(channel, **options)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def texts(element, path, ns):
    return [node.text for node in element.xpath(path, namespaces=ns)]


def make_changes(catalog, since):
    """An update, a discontinuation and a hard deletion after ``since``."""
    products = catalog.products
    Product.objects.filter(pk=products["full"].pk).update(
        updated_at=timezone.now(), first_published_at=since - timedelta(days=1)
    )
    psi = products["psi"]
    psi.lifecycle = Lifecycle.DISCONTINUED
    psi.first_published_at = since - timedelta(days=1)
    psi.save()
    number = products["variant"].article_number
    products["variant"].delete()
    return number


# -- ETIM guideline 5.0 -------------------------------------------------------------------


@pytest.mark.parametrize("languages", ["en", "de", "en,de", "de,en"])
def test_etim_catalog_is_valid_in_every_language_combination(catalog, export_root, languages):
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM, languages=languages))
    document = assert_valid(run.file_path(), "etim")
    assert texts(document, "//e:HEADER/e:USER_DEFINED_EXTENSIONS/e:UDX.EDXF.VERSION", ETIM) == ["5.0"]
    assert texts(document, "//e:HEADER/e:BUYER/e:BUYER_NAME", ETIM) == ["Wholesale AG"]
    assert not document.xpath("//e:CATALOG_GROUP_SYSTEM", namespaces=ETIM)


def test_etim_products_are_classified_coded_and_priced(catalog, export_root):
    unclassified = Family.objects.create(code="misc", name={"en": "Misc"})
    make_product(unclassified, article_number="MISC-1", name={"en": "Unclassified"})
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM))
    document = assert_valid(run.file_path(), "etim")
    exported = texts(document, "//e:PRODUCT/e:SUPPLIER_PID", ETIM)
    assert exported == ["KH-100", "KH-200", "KH-SER-15"]
    reasons = dict(run.issues.values_list("article_number", "message"))
    assert "no ETIM class" in reasons["MISC-1"]
    assert "no list price in EUR" in reasons["KH-300"]
    full = document.xpath("//e:PRODUCT[e:SUPPLIER_PID='KH-100']", namespaces=ETIM)[0]
    assert texts(full, "e:PRODUCT_FEATURES/e:REFERENCE_FEATURE_SYSTEM_NAME", ETIM) == ["ETIM-6.0"]
    names = texts(full, "e:PRODUCT_FEATURES/e:FEATURE/e:FNAME", ETIM)
    assert names == [
        "EF000001",
        "EF000002",
        "EF000003",
        "EF000004",
        "EF000005",
        "EF000006",
    ]  # no own features
    assert texts(full, "e:PRODUCT_FEATURES/e:FEATURE[e:FNAME='EF000002']/e:FVALUE", ETIM) == ["-10", "120"]
    # the gross list price becomes ETIM's recommended retail price
    assert sorted(full.xpath("e:PRODUCT_PRICE_DETAILS/e:PRODUCT_PRICE/@price_type", namespaces=ETIM)) == [
        "net_list",
        "net_list",
        "nrp",
    ]


def test_etim_mime_goes_into_udx(catalog, export_root, monkeypatch):
    full = catalog.products["full"]
    monkeypatch.setattr(
        source,
        "mime_entries_for",
        lambda products, **options: {
            full.pk: [
                MimeEntry(source="images/kh-100.jpg", purpose="normal", descriptions={"de": "Foto"}),
                MimeEntry(source="docs/kh-100.pdf", purpose="data_sheet", etim_code="MD14"),
                MimeEntry(source="cad/kh-100.step", purpose="cad"),
            ]
        },
    )
    run = export(make_channel(ExportFormat.BMECAT_2005_ETIM))
    document = assert_valid(run.file_path(), "etim")
    mimes = document.xpath("//e:PRODUCT[e:SUPPLIER_PID='KH-100']//e:UDX.EDXF.MIME", namespaces=ETIM)
    codes = [m.findtext("e:UDX.EDXF.MIME_CODE", namespaces=ETIM) for m in mimes]
    assert codes == ["MD01", "MD14", "MD99"]


def test_etim_deltas_are_valid(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.BMECAT_2005_ETIM)
    export(channel)  # what the receiver has: deletions are announced for these only
    since = timezone.now()
    deleted = make_changes(catalog, since)
    run = export(channel, kind=RunKind.DELTA, since=since)
    document = assert_valid(run.file_path(), "etim")
    modes = {
        p.findtext("e:SUPPLIER_PID", namespaces=ETIM): p.get("mode")
        for p in document.xpath("//e:PRODUCT", namespaces=ETIM)
    }
    assert modes == {"KH-100": "update", "KH-200": "delete", deleted: "delete"}
    prices = export(channel, kind=RunKind.PRICES, since=since)
    document = assert_valid(prices.file_path(), "etim")
    assert texts(document, "//e:T_UPDATE_PRICES/e:PRODUCT/e:SUPPLIER_PID", ETIM) == ["KH-100"]


# -- BMEcat 1.2 ---------------------------------------------------------------------------


@pytest.mark.parametrize("languages", ["en", "de", "en,de", "de,en"])
def test_bmecat12_catalog_is_valid_in_every_language(catalog, export_root, languages):
    run = export(make_channel(ExportFormat.BMECAT_12, languages=languages))
    document = assert_valid(run.file_path(), "1.2-new")
    ns = V12["new"]
    first = languages.split(",")[0]
    assert texts(document, "//b:CATALOG/b:LANGUAGE", ns) == [{"en": "eng", "de": "deu"}[first]]
    full = document.xpath("//b:ARTICLE[b:SUPPLIER_AID='KH-100']", namespaces=ns)[0]
    expected = {"en": "Ball valve DN15 & <brass>", "de": "Kugelhahn DN15 Messing"}[first]
    assert texts(full, "b:ARTICLE_DETAILS/b:DESCRIPTION_SHORT", ns) == [expected]
    assert texts(full, "b:ARTICLE_DETAILS/b:EAN", ns) == [catalog.products["full"].gtin]
    own = full.xpath("b:ARTICLE_FEATURES[not(b:REFERENCE_FEATURE_SYSTEM_NAME)]/b:FEATURE", namespaces=ns)
    assert [f.findtext("b:FNAME", namespaces=ns) for f in own] == [{"en": "Note", "de": "Hinweis"}[first]]
    mapped = texts(document, "//b:ARTICLE_TO_CATALOGGROUP_MAP/b:ART_ID", ns)
    assert sorted(mapped) == ["KH-100", "KH-200", "KH-SER-15"]  # KH-300 has no price: skipped


def test_bmecat12_short_description_is_cut_to_80_characters(catalog, export_root):
    Product.objects.filter(pk=catalog.products["full"].pk).update(name={"en": "Ball valve " + "x" * 120})
    run = export(make_channel(ExportFormat.BMECAT_12, languages="en"))
    document = assert_valid(run.file_path(), "1.2-new")
    short = texts(
        document, "//b:ARTICLE[b:SUPPLIER_AID='KH-100']/b:ARTICLE_DETAILS/b:DESCRIPTION_SHORT", V12["new"]
    )[0]
    assert len(short) == 80 and short.endswith("…")


def test_bmecat12_deltas_are_valid(catalog, export_root, settings):
    settings.PIM_EXPORT_DELTA_OVERLAP_SECONDS = 0
    channel = make_channel(ExportFormat.BMECAT_12)
    export(channel)  # what the receiver has: deletions are announced for these only
    since = timezone.now()
    deleted = make_changes(catalog, since)
    run = export(channel, kind=RunKind.DELTA, since=since)
    document = assert_valid(run.file_path(), "1.2-products")
    ns = V12["products"]
    modes = {
        a.findtext("b:SUPPLIER_AID", namespaces=ns): a.get("mode")
        for a in document.xpath("//b:ARTICLE", namespaces=ns)
    }
    assert modes == {"KH-100": "update", "KH-200": "delete", deleted: "delete"}
    prices = export(channel, kind=RunKind.PRICES, since=since)
    document = assert_valid(prices.file_path(), "1.2-prices")
    assert texts(document, "//b:ARTICLE/b:SUPPLIER_AID", V12["prices"]) == ["KH-100"]
