"""A walk over every URL the public site, the downloads, the media files and the export
pulls can produce for things that are not public: each answers 404, or leaves them out.

The catalog: a visible product KH-PUBLIC (so pages and exports have something to show)
with a non-public picture, a non-public manual and a manual valid only from tomorrow; and
a product that fails ``Product.objects.publicly_visible()`` in one of three ways, with a
picture, a CAD model and a datasheet of its own (all public by their flags).
"""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pim.assets import samples
from pim.assets.downloads import asset_url, datasheet_url, product_zip_url
from pim.assets.models import AssetKind
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import Lifecycle, Product, ProductModel
from pim.exports.models import ExportFormat, ReceiverToken
from pim.exports.runs import run_export
from tests.exports.conftest import make_channel
from tests.factories import make_pdf_asset, make_product, make_valve_family

pytestmark = pytest.mark.django_db

HIDDEN_ARTICLE = "KH-SECRET.7"


@pytest.fixture(autouse=True)
def inline_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_ASSET_DELIVERY = "django"
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"


def _picture(label, **options):
    data = samples.picture(label)
    return create_asset(io.BytesIO(data), filename=f"{label}.png", kind=AssetKind.IMAGE, **options).asset


def _hidden_product(family, how: str):
    if how == "unpublished":
        return make_product(family, article_number=HIDDEN_ARTICLE, live=False)
    if how == "draft":
        return make_product(family, article_number=HIDDEN_ARTICLE, lifecycle=Lifecycle.DRAFT)
    series = ProductModel.objects.create(
        code="SECRET", name={"en": "Secret series"}, family=family, live=False
    )
    return make_product(family, article_number=HIDDEN_ARTICLE, product_model=series)


@pytest.fixture(params=["unpublished", "draft", "unpublished product model"])
def catalog(request):
    family = make_valve_family()
    visible = make_product(family, article_number="KH-PUBLIC", name={"en": "Public valve"})
    hidden = _hidden_product(family, request.param)
    assert not Product.objects.publicly_visible().filter(pk=hidden.pk).exists()

    shown_picture = _picture("KH-PUBLIC")
    link_asset(shown_picture, visible)
    private_picture = _picture("KH-PUBLIC-internal", public=False)
    link_asset(private_picture, visible)
    private_manual = make_pdf_asset("Internal service manual", kind=AssetKind.MANUAL, public=False)
    link_asset(private_manual, visible)
    future_manual = make_pdf_asset(
        "Next year's manual", kind=AssetKind.MANUAL, valid_from=timezone.localdate() + timedelta(days=30)
    )
    link_asset(future_manual, visible)

    hidden_picture = _picture(HIDDEN_ARTICLE)
    link_asset(hidden_picture, hidden)
    hidden_cad = create_asset(
        io.BytesIO(samples.step_box(HIDDEN_ARTICLE)), filename=f"{HIDDEN_ARTICLE}.step", kind=AssetKind.CAD_3D
    ).asset
    link_asset(hidden_cad, hidden)
    hidden_sheet = make_pdf_asset(f"{HIDDEN_ARTICLE} datasheet")
    link_asset(hidden_sheet, hidden)
    return {
        "visible": visible,
        "hidden": hidden,
        "shown_picture": shown_picture,
        "not_public": [
            private_picture,
            private_manual,
            future_manual,
            hidden_picture,
            hidden_cad,
            hidden_sheet,
        ],
    }


def _status(client, path) -> int:
    return client.get(path).status_code


def _media_paths(asset) -> list[str]:
    """Every path under MEDIA_URL that leads to the asset's bytes."""
    paths = [asset.current_revision.file.url]
    if asset.image is not None:
        paths.append(asset.image.file.url)
        for spec in ("max-640x480", "max-165x165", "original"):  # the page's, the admin's, full size
            paths.append(asset.image.get_rendition(spec).url)
    return paths


def test_nothing_of_a_hidden_product_answers(client, catalog, debug_modes):
    hidden = catalog["hidden"]
    loose = HIDDEN_ARTICLE.lower().replace("-", "").replace(".", "")
    paths = [
        f"/products/{HIDDEN_ARTICLE}/",
        f"/de/produkte/{HIDDEN_ARTICLE}/",
        f"/products/{loose}/",  # the loose spelling that redirects for a public product
        product_zip_url(hidden),
        *(datasheet_url(hidden, language) for language in settings.PIM_LANGUAGES),
    ]
    for path in paths:
        assert _status(client, path) == 404, path
    # The loose spelling does redirect for a public product: the check above means something.
    assert client.get("/products/khpublic/")["Location"] == "/products/KH-PUBLIC/"


def test_no_url_leads_to_a_non_public_asset(client, catalog, debug_modes):
    visible, hidden = catalog["visible"], catalog["hidden"]
    for asset in catalog["not_public"]:
        urls = [asset_url(asset), asset_url(asset, visible), asset_url(asset, hidden), *_media_paths(asset)]
        for url in urls:
            assert _status(client, url) == 404, (str(asset), url)
    # The public picture of the visible product: its rendition answers, its original does not.
    shown = catalog["shown_picture"]
    assert _status(client, shown.image.get_rendition("max-640x480").url) == 200
    assert _status(client, shown.image.file.url) == 404
    assert _status(client, shown.current_revision.file.url) == 404


def test_the_public_page_and_its_archive_name_nothing_hidden(client, catalog):
    visible = catalog["visible"]
    html = client.get("/products/KH-PUBLIC/").content.decode()
    assert HIDDEN_ARTICLE not in html
    for asset in catalog["not_public"]:
        assert asset_url(asset, visible) not in html
        assert f"/downloads/{asset.pk}/" not in html
        if asset.image is not None:
            assert asset.image.file.name.split("/")[-1].split(".")[0] not in html
    for source in re.findall(r'src="(/media/[^"]+)"', html):
        assert _status(client, source) == 200, source

    response = client.get(product_zip_url(visible))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = " ".join(archive.namelist())
    assert "manual" not in names and HIDDEN_ARTICLE not in names


@pytest.mark.parametrize("export_format", [ExportFormat.JSONL, ExportFormat.BMECAT_2005, ExportFormat.CSV])
def test_export_pulls_leave_hidden_products_and_assets_out(client, catalog, export_format):
    channel = make_channel(format=export_format, code="shop")
    _row, secret = ReceiverToken.issue(channel, "Shop DE")
    run_export(channel)
    url = reverse("exports:pull", args=[channel.code])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    full = client.get(url, **headers)
    assert full.status_code == 200
    delta = client.get(url, {"since": (timezone.now() - timedelta(days=1)).isoformat()}, **headers)
    assert delta.status_code in (200, 204)
    for response in (full, delta):
        content = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
        assert HIDDEN_ARTICLE not in content
        for asset in catalog["not_public"]:
            assert f"/{asset.pk}/" not in content, (export_format, str(asset))
    assert "KH-PUBLIC" in b"".join(client.get(url, **headers).streaming_content).decode()
