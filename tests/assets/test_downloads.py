import io
import zipfile

import pytest
from django.urls import reverse

from pim.assets import samples
from pim.assets.downloads import (
    asset_url,
    datasheet_url,
    gallery_images_for,
    product_zip_url,
    public_assets_for,
)
from pim.assets.models import AssetKind, DownloadCount
from pim.assets.services import add_revision, create_asset, link_asset
from pim.catalog.models import Category, Lifecycle, ProductModel
from tests.factories import make_product

STEP = samples.step_box("KH-100", (40, 30, 20))


@pytest.fixture
def cad(media_root, product):
    asset = create_asset(
        io.BytesIO(STEP), filename="ball valve.step", kind=AssetKind.CAD_3D, title={"en": "Ball valve 3D"}
    ).asset
    link_asset(asset, product)
    return asset


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_public_download_with_headers(client, cad, product):
    url = asset_url(cad, product)
    assert url == f"/downloads/products/KH-100-A/{cad.pk}/KH-100-A_ball-valve-3d.step"
    response = client.get(url)
    assert response.status_code == 200
    assert _body(response) == STEP
    assert response["Content-Type"] == "model/step"
    assert response["Content-Disposition"] == 'attachment; filename="KH-100-A_ball-valve-3d.step"'
    assert response["Content-Length"] == str(len(STEP))
    assert response["ETag"] == f'"{cad.current_revision.sha256[:32]}"'
    assert "Last-Modified" in response
    assert response["Accept-Ranges"] == "bytes"
    assert "max-age=" in response["Cache-Control"]
    # The generic URL works too.
    generic = client.get(asset_url(cad))
    assert generic.status_code == 200 and _body(generic) == STEP


@pytest.mark.django_db
def test_range_requests(client, cad, product):
    url = asset_url(cad, product)
    response = client.get(url, HTTP_RANGE="bytes=10-99")
    assert response.status_code == 206
    assert _body(response) == STEP[10:100]
    assert response["Content-Range"] == f"bytes 10-99/{len(STEP)}"
    assert response["Content-Length"] == "90"
    tail = client.get(url, HTTP_RANGE="bytes=-16")
    assert tail.status_code == 206 and _body(tail) == STEP[-16:]
    rest = client.get(url, HTTP_RANGE=f"bytes={len(STEP) - 5}-")
    assert _body(rest) == STEP[-5:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(STEP) + 10}-")
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(STEP)}"
    # If-Range with an outdated ETag: the whole (new) file.
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"outdated"')
    assert stale.status_code == 200 and _body(stale) == STEP
    fresh = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=response["ETag"])
    assert fresh.status_code == 206 and _body(fresh) == STEP[:10]


@pytest.mark.django_db
def test_conditional_requests(client, cad, product):
    url = asset_url(cad, product)
    etag = client.get(url)["ETag"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    head = client.head(url)
    assert head.status_code == 200 and head.content == b"" and head["Content-Length"] == str(len(STEP))


@pytest.mark.django_db
def test_downloads_serve_the_current_revision_and_renamed_links_redirect(client, cad, product):
    old_url = asset_url(cad, product)
    new_step = samples.step_box("KH-100", (50, 30, 20))
    add_revision(cad, io.BytesIO(new_step), filename="v2.step")
    cad.title = {"en": "Ball valve 3D v2"}
    cad.save()
    cad.refresh_from_db()
    response = client.get(old_url)
    assert response.status_code == 302
    assert response["Location"] == asset_url(cad, product)
    assert _body(client.get(response["Location"])) == new_step


@pytest.mark.django_db
def test_drafts_never_leak(client, media_root, family, draft_product):
    asset = create_asset(io.BytesIO(STEP), filename="secret.step", kind=AssetKind.CAD_3D).asset
    link_asset(asset, draft_product)
    assert client.get(asset_url(asset)).status_code == 404
    assert client.get(asset_url(asset, draft_product)).status_code == 404
    assert client.get(datasheet_url(draft_product, "en")).status_code == 404
    assert client.get(product_zip_url(draft_product)).status_code == 404
    assert public_assets_for(draft_product) == []
    # Linked to a visible product as well: downloadable, but still not via the draft.
    visible = make_product(family, article_number="KH-PUBLIC")
    link_asset(asset, visible)
    assert client.get(asset_url(asset)).status_code == 200
    assert client.get(asset_url(asset, visible)).status_code == 200
    assert client.get(asset_url(asset, draft_product)).status_code == 404


@pytest.mark.django_db
def test_not_public_not_yet_valid_and_unlinked_assets_are_404(client, cad, product):
    from datetime import timedelta

    from django.utils import timezone

    cad.public = False
    cad.save()
    assert client.get(asset_url(cad, product)).status_code == 404
    cad.public = True
    cad.valid_from = timezone.localdate() + timedelta(days=1)
    cad.save()
    assert client.get(asset_url(cad)).status_code == 404
    cad.valid_from = None
    cad.save()
    product.lifecycle = Lifecycle.DRAFT
    product.save()
    assert client.get(asset_url(cad)).status_code == 404
    unlinked = create_asset(
        io.BytesIO(samples.stl_box_ascii("x")), filename="x.stl", kind=AssetKind.CAD_3D
    ).asset
    assert client.get(asset_url(unlinked)).status_code == 404


@pytest.mark.django_db
def test_links_through_product_model_and_category(client, media_root, family):
    series = ProductModel.objects.create(code="KH-SERIES", name={"en": "KH series"}, family=family, live=True)
    variant = make_product(family, article_number="KH-V1", product_model=series)
    root = Category.objects.create(code="valves", name={"en": "Valves"})
    leaf = Category.objects.create(code="ball-valves", name={"en": "Ball valves"}, parent=root)
    in_leaf = make_product(family, article_number="KH-LEAF")
    in_leaf.categories.set([leaf])
    in_leaf.save()  # parental many-to-many: saved with the product
    model_cad = create_asset(io.BytesIO(STEP), filename="series.step", kind=AssetKind.CAD_3D).asset
    link_asset(model_cad, series)
    certificate = create_asset(
        io.BytesIO(samples.simple_pdf("ISO 9001", [])), filename="iso9001.pdf", kind=AssetKind.CERTIFICATE
    ).asset
    link_asset(certificate, root)
    assert client.get(asset_url(model_cad)).status_code == 200
    assert client.get(asset_url(model_cad, variant)).status_code == 200
    assert client.get(asset_url(certificate)).status_code == 200
    assert client.get(asset_url(certificate, in_leaf)).status_code == 200
    assert client.get(asset_url(certificate, variant)).status_code == 404  # not in that category
    assert [d.asset for d in public_assets_for(in_leaf) if not d.generated] == [certificate]
    # The series is unpublished: its variants are hidden, so is its CAD model.
    series.live = False
    series.save()
    assert client.get(asset_url(model_cad)).status_code == 404
    # Nothing visible in the category tree any more: the certificate is hidden as well.
    in_leaf.live = False
    in_leaf.save()
    assert client.get(asset_url(certificate)).status_code == 404


@pytest.mark.django_db
def test_download_counts_per_asset_product_and_day_without_personal_data(client, cad, product):
    url = asset_url(cad, product)
    client.get(url, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Engineer/1.0")
    client.get(url)
    client.get(url, HTTP_RANGE="bytes=100-")  # resuming: not a new download
    client.head(url)
    client.get(asset_url(cad))
    rows = list(DownloadCount.objects.values("asset_id", "product_id", "count", "kind"))
    assert sorted(rows, key=lambda r: r["product_id"] or 0) == [
        {"asset_id": cad.pk, "product_id": None, "count": 1, "kind": "asset"},
        {"asset_id": cad.pk, "product_id": product.pk, "count": 2, "kind": "asset"},
    ]
    stored = " ".join(str(v) for row in DownloadCount.objects.values() for v in row.values())
    assert "203.0.113.7" not in stored and "Engineer" not in stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "header"), [("x-accel-redirect", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")]
)
def test_web_server_delivery_modes(client, settings, cad, product, mode, header):
    settings.PIM_ASSET_DELIVERY = mode
    response = client.get(asset_url(cad, product))
    assert response.status_code == 200
    assert response.content == b""
    assert cad.current_revision.file.name in response[header]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["ETag"]


@pytest.mark.django_db
def test_redirect_delivery_mode(client, settings, cad, product):
    settings.PIM_ASSET_DELIVERY = "redirect"
    response = client.get(asset_url(cad, product))
    assert response.status_code == 302
    assert response["Location"].endswith(cad.current_revision.file.name)
    assert DownloadCount.objects.get().count == 1


@pytest.mark.django_db
def test_public_assets_for_lists_ordered_links(client, media_root, family, product, cad):
    photo = create_asset(io.BytesIO(samples.picture("KH")), filename="photo.png", kind=AssetKind.IMAGE).asset
    link_asset(photo, product)
    manual = create_asset(
        io.BytesIO(samples.simple_pdf("Manual", [])),
        filename="manual.pdf",
        kind=AssetKind.MANUAL,
        languages=["de"],
    ).asset
    sheet = create_asset(
        io.BytesIO(samples.simple_pdf("Sheet", [])), filename="sheet.pdf", kind=AssetKind.DATASHEET
    ).asset
    link_asset(manual, product)
    link_asset(sheet, product)
    links = public_assets_for(product, "de")
    assert [link.kind for link in links] == ["datasheet", "datasheet", "cad_3d", "manual"]
    assert links[0].generated and links[0].url == reverse("assets:datasheet", args=["KH-100-A", "de"])
    assert links[2].url == asset_url(cad, product) and links[2].format_label == "STEP model"
    assert links[3].languages == ["de"]
    assert all(client.get(link.url).status_code == 200 for link in links)
    assert gallery_images_for(product) == [photo.image]


@pytest.mark.django_db
def test_zip_of_all_documents_is_streamed(client, media_root, product, cad):
    manual = create_asset(
        io.BytesIO(samples.simple_pdf("Manual", [])), filename="manual.pdf", kind=AssetKind.MANUAL
    ).asset
    link_asset(manual, product)
    response = client.get(product_zip_url(product))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="KH-100-A_documents.zip"'
    chunks = list(response.streaming_content)
    assert len(chunks) > 1  # sent piece by piece, not built in memory first
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == [
        "KH-100-A_datasheet_en.pdf",
        "KH-100-A_datasheet_de.pdf",
        "cad_3d/KH-100-A_ball-valve-3d.step",
        "manual/KH-100-A_manual.pdf",
    ]
    assert archive.read("cad_3d/KH-100-A_ball-valve-3d.step") == STEP
    assert archive.read("KH-100-A_datasheet_en.pdf").startswith(b"%PDF-")
    assert DownloadCount.objects.get(kind="archive").product_id == product.pk
