import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pim.assets import samples
from pim.assets.charts import daily_bar_chart, nice_maximum
from pim.assets.models import Asset, AssetKind, AssetLink, DownloadCount, LinkRole
from pim.assets.services import create_asset, link_asset


@pytest.fixture
def editor(db, client):
    # No password: hashing one costs half a second and the test logs in directly.
    user = User.objects.create(username="editor", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.django_db
def test_library_lists_filters_and_shows_thumbnails(client, editor, product):
    photo = create_asset(io.BytesIO(samples.picture("KH")), filename="photo.png", kind=AssetKind.IMAGE).asset
    sheet = create_asset(
        io.BytesIO(samples.simple_pdf("Datenblatt", [])),
        filename="sheet.pdf",
        kind=AssetKind.DATASHEET,
        languages=["de"],
    ).asset
    cad = create_asset(io.BytesIO(samples.step_box("x")), filename="x.step", kind=AssetKind.CAD_3D).asset
    link_asset(cad, product)
    index = reverse("asset_library:index")
    page = client.get(index)
    assert page.status_code == 200
    html = page.content.decode()
    assert "photo" in html and "sheet" in html and "STEP model" in html
    assert reverse("assets_admin:thumbnail", args=[photo.current_revision.pk]) in html

    def listed(**params):
        content = client.get(index, params).content.decode()
        return {a.pk for a in (photo, sheet, cad) if reverse("asset_library:edit", args=[a.pk]) in content}

    assert listed(kind="datasheet") == {sheet.pk}
    assert listed(file_format="step") == {cad.pk}
    assert listed(language="de") == {sheet.pk}
    assert listed(linked="yes") == {cad.pk}
    assert listed(linked="no") == {photo.pk, sheet.pk}
    assert listed(q="KH-100") == {cad.pk}  # search by linked article number

    for asset in (photo, sheet):
        thumb = client.get(reverse("assets_admin:thumbnail", args=[asset.current_revision.pk]))
        assert thumb.status_code == 200 and thumb.content.startswith(b"\x89PNG")
    assert client.get(reverse("assets_admin:thumbnail", args=[cad.current_revision.pk])).status_code == 404


@pytest.mark.django_db
def test_upload_link_replace_and_restore_in_the_admin(client, editor, product, media_root):
    response = client.post(
        reverse("asset_library:add"),
        {
            "kind": "cad_3d",
            "title_0": "Ball valve model",
            "title_1": "Kugelhahn-Modell",
            "description_0": "",
            "description_1": "",
            "public": "on",
            "products": "KH-100/A\n",
            "file": _upload("model.step", samples.step_box("a")),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    asset = Asset.objects.get()
    assert asset.title == {"en": "Ball valve model", "de": "Kugelhahn-Modell"}
    assert asset.current_revision.created_by == editor
    assert AssetLink.objects.get(asset=asset).product == product

    edit_url = reverse("asset_library:edit", args=[asset.pk])
    page = client.get(edit_url).content.decode()
    assert "KH-100/A" in page and "Revisions" in page

    response = client.post(
        edit_url,
        {
            "kind": "cad_3d",
            "title_0": "Ball valve model",
            "title_1": "Kugelhahn-Modell",
            "description_0": "",
            "description_1": "",
            "public": "on",
            "products": "KH-100/A",
            "comment": "longer",
            "file": _upload("model-v2.step", samples.step_box("a", (80, 30, 20))),
        },
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.current_revision.number == 2
    first = asset.revisions.get(number=1)
    old = client.get(reverse("assets_admin:revision_download", args=[first.pk]))
    assert b"".join(old.streaming_content) == samples.step_box("a")
    client.post(reverse("assets_admin:revision_restore", args=[first.pk]))
    asset.refresh_from_db()
    assert asset.current_revision.number == 3 and asset.current_revision.sha256 == first.sha256


@pytest.mark.django_db
def test_admin_upload_rejects_bad_files_with_the_message(client, editor, product, media_root):
    response = client.post(
        reverse("asset_library:add"),
        {
            "kind": "datasheet",
            "title_0": "Sheet",
            "title_1": "",
            "description_0": "",
            "description_1": "",
            "products": "KH-100/A, NOPE-1",
            "file": _upload("sheet.pdf", b"<html><body>login</body></html>"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "its content is an HTML document" in html
    assert "Not found: NOPE-1." in html
    assert Asset.objects.count() == 0


@pytest.mark.django_db
def test_bulk_upload_page(client, editor, product, media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("KH-100-A_cad_de.step", samples.step_box("x"))
        archive.writestr("XX-1_cad_de.step", samples.step_box("y"))
    url = reverse("assets_admin:bulk_upload")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"archive": _upload("batch.zip", buffer.getvalue()), "rule": "<article>_<kind>_<lang>.<ext>"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "created" in html and "no product or product model" in html
    assert AssetLink.objects.filter(product=product, role=LinkRole.CAD_3D).count() == 1


@pytest.mark.django_db
def test_download_statistics_page_with_chart(client, editor, product):
    cad = create_asset(io.BytesIO(samples.step_box("x")), filename="x.step", kind=AssetKind.CAD_3D).asset
    DownloadCount.objects.create(day=timezone.localdate(), asset=cad, product=product, count=7)
    DownloadCount.objects.create(
        day=timezone.localdate(), kind="generated_datasheet", product=product, count=3
    )
    response = client.get(reverse("assets_admin:statistics"), {"days": 7})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<polyline" in html
    assert "All downloads: 10" in html
    assert "Generated datasheet of KH-100/A" in html
    assert str(cad) in html


def test_chart_scales_and_escapes():
    assert [nice_maximum(v) for v in (0, 3, 5, 6, 11, 99, 101, 4000)] == [5, 5, 5, 10, 25, 100, 250, 5000]
    from datetime import date

    svg = daily_bar_chart([(date(2024, 1, 1), 4), (date(2024, 1, 2), 0)], title="<b>x</b>")
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert svg.count("<rect") == 2


@pytest.mark.django_db
def test_admin_needs_login(client, product):
    assert client.get(reverse("asset_library:index")).status_code == 302
    assert client.get(reverse("assets_admin:statistics")).status_code in (302, 403)
