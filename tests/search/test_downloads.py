"""Index documents carry the kinds of public download of each product (the download rule of
pim.assets, in bulk), and an uploaded, linked file reaches the search through the outbox."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pim.assets import samples
from pim.assets.downloads import public_assets_for
from pim.assets.exchange import public_asset_kinds
from pim.assets.models import Asset, AssetKind
from pim.assets.services import create_asset, create_video_link, link_asset
from pim.assets.visibility import asset_is_downloadable_for
from pim.catalog.models import Product
from pim.search.documents import DocumentBuilder
from pim.search.models import IndexDownload, OutboxEntry
from pim.search.query import DownloadFilter, SearchQuery
from tests.factories import make_category_shelf, make_pdf_asset, make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    return make_category_shelf(make_valve_family())


@pytest.fixture
def linked(shelf):
    link_asset(make_pdf_asset("Datasheet V-1"), shelf["valve"])
    link_asset(make_pdf_asset("Datasheet hidden"), shelf["hidden"])
    step = create_asset(BytesIO(samples.step_box("S")), filename="s.step", kind=AssetKind.CAD_3D).asset
    link_asset(step, shelf["series"])
    link_asset(make_pdf_asset("Certificate", AssetKind.CERTIFICATE), shelf["valves"])
    link_asset(create_video_link("https://video.example.com/s1", title={"en": "S-1"}), shelf["variant"])
    # not downloadable: not public, valid only from tomorrow, no file
    link_asset(make_pdf_asset("Manual internal", AssetKind.MANUAL, public=False), shelf["valve"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    link_asset(make_pdf_asset("Drawing next", AssetKind.CAD_2D, valid_from=tomorrow), shelf["pump"])
    empty = Asset.objects.create(kind=AssetKind.SOFTWARE, title={"en": "Firmware (no file yet)"})
    link_asset(empty, shelf["pump"])
    return shelf


def test_documents_carry_the_kinds_of_public_download(linked):
    ids = [linked[key].pk for key in ("valve", "variant", "variant_in_pumps", "hidden", "pump")]
    documents = DocumentBuilder().build(ids)
    downloads = {key: documents[linked[key].pk] for key in ("valve", "variant", "variant_in_pumps", "pump")}
    assert {key: doc["downloads"] for key, doc in downloads.items()} == {
        "valve": ["certificate", "datasheet"],  # the manual is not public
        "variant": ["cad_3d", "certificate", "video"],  # series link, series category, own link
        "variant_in_pumps": ["cad_3d", "certificate"],  # own category adds nothing, the model's counts
        "pump": [],  # a drawing valid from tomorrow, software without a file
    }
    assert all(doc["listing"]["downloads"] == doc["downloads"] for doc in downloads.values())
    assert documents[linked["hidden"].pk] is None


def test_kinds_are_the_download_rule_in_bulk(linked):
    products = list(Product.objects.all())
    expected = {
        product.pk: {asset.kind for asset in Asset.objects.all() if asset_is_downloadable_for(asset, product)}
        for product in products
    }
    assert public_asset_kinds([p.pk for p in products]) == expected
    assert expected[linked["hidden"].pk] == set()


def test_the_generated_datasheet_does_not_count(linked):
    pump = linked["pump"]
    assert [link.kind for link in public_assets_for(pump) if link.generated] == [AssetKind.DATASHEET]
    assert DocumentBuilder().build([pump.pk])[pump.pk]["downloads"] == []


def test_downloads_take_a_fixed_number_of_queries_per_batch(linked):
    family = linked["valve"].family
    more = [make_product(family, article_number=f"M-{n}") for n in range(12)]
    for index, product in enumerate(more):
        product.categories.set([linked["ball"]])
        product.save()
        link_asset(make_pdf_asset(f"Datasheet M-{index}"), product)

    def queries(ids):
        with CaptureQueriesContext(connection) as captured:
            kinds = public_asset_kinds(ids)
        return len(captured), kinds

    few, kinds_few = queries([more[0].pk])
    many, kinds_many = queries([p.pk for p in more])
    assert few == many <= 3
    assert kinds_few[more[0].pk] == kinds_many[more[0].pk] == {"datasheet", "certificate"}


# --- end to end ----------------------------------------------------------------------------------------
def test_an_uploaded_and_linked_file_is_found_after_the_drain(
    database_search, django_capture_on_commit_callbacks
):
    def with_cad() -> list[str]:
        result = database_search.search(SearchQuery(filters=[DownloadFilter(["cad_2d"])]))
        return [hit.article_number for hit in result.hits]

    with django_capture_on_commit_callbacks(execute=True):
        pump = make_product(make_valve_family(), article_number="P-1")
    assert [hit.article_number for hit in database_search.search(SearchQuery()).hits] == ["P-1"]
    assert with_cad() == []
    with django_capture_on_commit_callbacks(execute=True):
        drawing = create_asset(
            BytesIO(samples.dxf_rectangle(40, 30)), filename="p-1.dxf", kind=AssetKind.CAD_2D
        ).asset
        link_asset(drawing, pump)
        assert OutboxEntry.objects.filter(reason="assets_changed").count() == 1
    assert not OutboxEntry.objects.exists()  # drained after the commit
    assert with_cad() == ["P-1"]
    assert list(IndexDownload.objects.values_list("kind", "entry_id")) == [("cad_2d", pump.pk)]
    hit = database_search.search(SearchQuery(text="P-1")).hits[0]
    assert hit.downloads == ("cad_2d",)

    with django_capture_on_commit_callbacks(execute=True):
        drawing.public = False
        drawing.save()
    assert with_cad() == []
    assert not IndexDownload.objects.exists()
