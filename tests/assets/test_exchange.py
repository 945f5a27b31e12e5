"""What exports list (MIME_INFO) is what the product page offers for download: the same assets,
reached the same way (own categories and the product model's together), in the same order."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pim.assets import samples
from pim.assets.downloads import public_assets_for
from pim.assets.exchange import mime_entries_for_products
from pim.assets.models import Asset, AssetKind, LinkRole
from pim.assets.services import create_asset, create_video_link, link_asset
from pim.assets.visibility import asset_is_downloadable_for
from pim.catalog.models import Category, Product, ProductModel
from tests.factories import make_pdf_asset, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(family):
    """Fluid › Valves (a certificate) and Fluid › Pumps (a manual); a series in Valves with a
    variant that has no category of its own and one that sits in Pumps by itself."""
    fluid = Category.objects.create(code="fluid", name={"en": "Fluid"})
    valves = Category.objects.create(code="valves", name={"en": "Valves"}, parent=fluid)
    pumps = Category.objects.create(code="pumps", name={"en": "Pumps"}, parent=fluid)
    series = ProductModel.objects.create(code="S", name={"en": "Series"}, family=family, live=True)
    series.categories.set([valves])
    series.save()
    inherits = make_product(family, article_number="S-1", product_model=series)
    own_category = make_product(family, article_number="S-2", product_model=series)
    own_category.categories.set([pumps])
    own_category.save()
    pump = make_product(family, article_number="P-1")
    pump.categories.set([pumps])
    pump.save()

    link_asset(make_pdf_asset("Certificate", AssetKind.CERTIFICATE), valves)
    link_asset(make_pdf_asset("Pump manual", AssetKind.MANUAL), pumps)
    link_asset(make_pdf_asset("Fluid declaration", AssetKind.DECLARATION), fluid)
    step = create_asset(BytesIO(samples.step_box("S")), filename="s.step", kind=AssetKind.CAD_3D).asset
    link_asset(step, series)
    picture = create_asset(BytesIO(samples.picture("S-2")), filename="s-2.png", kind=AssetKind.IMAGE).asset
    link_asset(picture, own_category)
    link_asset(make_pdf_asset("Datasheet S-2"), own_category)
    # the declaration once more, on the variant itself as a datasheet: listed once, as on the page
    link_asset(Asset.objects.get(kind=AssetKind.DECLARATION), own_category, role=LinkRole.DATASHEET)
    link_asset(create_video_link("https://video.example.com/s", title={"en": "Video"}), own_category)
    # offered nowhere: not public, valid from tomorrow
    link_asset(make_pdf_asset("Internal", AssetKind.MANUAL, public=False), series)
    link_asset(
        make_pdf_asset("Next", AssetKind.CAD_2D, valid_from=timezone.localdate() + timedelta(days=1)), pumps
    )
    return {"S-1": inherits, "S-2": own_category, "P-1": pump, "series": series}


def page_sources(product) -> list[str]:
    """The page's downloads (images too) as export sources, without the generated datasheet
    and the video link (no file under MIME_ROOT)."""
    return [
        link.url.lstrip("/")
        for link in public_assets_for(product, "en", include_images=True)
        if not link.generated and link.kind != AssetKind.VIDEO
    ]


def export_sources(entries) -> list[str]:
    return [entry["source"] for entry in entries if entry["kind"] != "generated_datasheet"]


def test_a_variant_with_its_own_category_gets_what_its_model_s_category_offers(shelf):
    variant = shelf["S-2"]
    entries = mime_entries_for_products([variant.pk])[variant.pk]
    kinds = [entry["kind"] for entry in entries if entry["kind"] != "generated_datasheet"]
    # by role: the image, the datasheets (the root's declaration once, through its datasheet
    # link on the variant, as on the page), STEP from the series, the manual from the
    # variant's own category, and the certificate of its model's category
    assert kinds == ["image", "datasheet", "declaration", "cad_3d", "manual", "certificate"]
    assert export_sources(entries) == page_sources(variant)
    purposes = {entry["kind"]: entry["purpose"] for entry in entries}
    assert purposes == {
        "image": "normal",
        "datasheet": "data_sheet",
        "declaration": "data_sheet",
        "cad_3d": "others",
        "manual": "others",
        "certificate": "others",
        "generated_datasheet": "data_sheet",
    }


def test_export_entries_are_the_page_s_download_list_for_every_product(shelf):
    products = list(Product.objects.all())
    entries = mime_entries_for_products([p.pk for p in products])
    for product in products:
        assert export_sources(entries[product.pk]) == page_sources(product), product.article_number
        # and the download rule says yes to exactly these assets (the video aside)
        allowed = {
            asset.pk
            for asset in Asset.objects.exclude(kind=AssetKind.VIDEO)
            if asset_is_downloadable_for(asset, product)
        }
        listed = {link.asset.pk for link in public_assets_for(product, include_images=True) if link.asset}
        assert listed - {a.pk for a in Asset.objects.filter(kind=AssetKind.VIDEO)} == allowed
    assert [
        entry["kind"] for entry in entries[shelf["S-1"].pk] if entry["kind"] != "generated_datasheet"
    ] == [
        "cad_3d",
        "certificate",
        "declaration",
    ]


def test_entries_take_a_fixed_number_of_queries_per_batch(shelf, family):
    more = []
    for index in range(10):
        variant = make_product(family, article_number=f"S-M{index}", product_model=shelf["series"])
        variant.categories.set([Category.objects.get(code="pumps")])
        variant.save()
        link_asset(make_pdf_asset(f"Datasheet S-M{index}"), variant)
        more.append(variant)

    def queries(ids):
        with CaptureQueriesContext(connection) as captured:
            entries = mime_entries_for_products(ids)
        return len(captured), entries

    few, entries_few = queries([more[0].pk])
    many, entries_many = queries([p.pk for p in [*more, shelf["S-1"], shelf["P-1"]]])
    assert few == many
    assert entries_few[more[0].pk] == entries_many[more[0].pk]
    assert {entry["kind"] for entry in entries_many[more[0].pk]} >= {"datasheet", "certificate", "manual"}


@pytest.mark.parametrize("article", ["4711-ABC.12", "A/B C", "ä ö#?%&x", "x+y=z;@:~", "ARTICLE0MARKER"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_batch_datasheet_urls_equal_the_reversed_ones(article, language):
    from types import SimpleNamespace

    from pim.assets.downloads import datasheet_url, datasheet_url_maker

    product = SimpleNamespace(article_number=article)
    assert datasheet_url_maker(language)(product) == datasheet_url(product, language)
