"""Download responses that cannot run uploaded content, readable errors for unreadable
uploads, and large bulk uploads as background jobs with their report in the admin."""

import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pim.assets import samples
from pim.assets.downloads import asset_url, product_zip_url
from pim.assets.models import Asset, AssetKind, AssetLink, AssetRevision, ImportJob
from pim.assets.services import add_revision, create_asset, link_asset

from .conftest import stored_files


@pytest.fixture
def editor(db, client):
    user = User.objects.create(username="editor", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.django_db
def test_documents_are_attachments_and_every_download_is_sandboxed(client, media_root, product):
    manual = create_asset(
        io.BytesIO(samples.simple_pdf("Manual", [])), filename="manual.pdf", kind=AssetKind.MANUAL
    ).asset
    photo = create_asset(io.BytesIO(samples.picture("KH")), filename="p.png", kind=AssetKind.IMAGE).asset
    for asset in (manual, photo):
        link_asset(asset, product)
    sheet_url = reverse("assets:datasheet", args=["KH-100-A", "en"])
    responses = {
        "manual": _get(client, asset_url(manual, product)),
        "manual-generic": _get(client, asset_url(manual)),
        "photo": _get(client, asset_url(photo, product)),
        "datasheet": _get(client, sheet_url),
        "zip": _get(client, product_zip_url(product)),
    }
    etag = responses["manual"]["ETag"]
    responses["not-modified"] = _get(client, asset_url(manual, product), If_None_Match=etag)
    assert responses["not-modified"].status_code == 304
    for name, response in responses.items():
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert "sandbox" in response["Content-Security-Policy"], name
    for name in ("manual", "manual-generic", "datasheet", "zip"):
        assert responses[name]["Content-Disposition"].startswith("attachment;"), name
    assert responses["photo"]["Content-Disposition"].startswith("inline;")


def _multipart(boundary: str, fields: dict, file_field: str, filename: str, data: bytes) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["asset_library:add", "assets_admin:bulk_upload"])
def test_a_file_name_of_1000_characters_gets_a_clear_message(client, editor, product, media_root, page):
    boundary = "pimtestboundary"
    body = _multipart(
        boundary,
        {"kind": "datasheet", "title_0": "Sheet", "rule": "<article>_<kind>_<lang>.<ext>"},
        "file" if page == "asset_library:add" else "archive",
        "a" * 1000 + ".pdf",
        samples.simple_pdf("x", []),
    )
    response = client.generic(
        "POST", reverse(page), body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    assert "the file name is too long" in response.content.decode()
    assert stored_files(media_root) == []


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("KH-100-A_cad_de.step", samples.step_box("x"))
        archive.writestr("XX-1_cad_de.step", samples.step_box("y"))
    return buffer.getvalue()


@pytest.mark.django_db
def test_large_bulk_uploads_run_as_a_background_job(
    client, editor, product, media_root, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_ASSET_INLINE_IMPORT_MB = 0  # every upload is "large"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assets_admin:bulk_upload"),
            {"archive": SimpleUploadedFile("batch.zip", _archive()), "rule": "<article>_<kind>_<lang>.<ext>"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assets_admin:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.DONE
    assert job.counts == {"created": 1, "skipped": 1}
    assert job.created_by == editor
    assert not job.archive  # the uploaded archive is removed once imported
    assert AssetLink.objects.filter(product=product, role="cad_3d").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "batch.zip" in page and "no product or product model" in page and "XX-1_cad_de.step" in page
    assert "batch.zip" in client.get(reverse("assets_admin:bulk_upload")).content.decode()


@pytest.mark.django_db
def test_a_background_job_with_an_unsafe_archive_fails_with_the_reason(
    client, editor, product, media_root, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.PIM_ASSET_INLINE_IMPORT_MB = 0
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../KH-100-A_cad_de.step", samples.step_box("x"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assets_admin:bulk_upload"),
            {
                "archive": SimpleUploadedFile("evil.zip", buffer.getvalue()),
                "rule": "<article>_<kind>_<lang>.<ext>",
            },
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "outside the archive" in job.error
    assert (
        "outside the archive"
        in client.get(reverse("assets_admin:import_job", args=[job.pk])).content.decode()
    )
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_restoring_a_revision_that_no_longer_validates_says_why(client, editor, media_root):
    asset = create_asset(
        io.BytesIO(samples.simple_pdf("Manual", [])), filename="manual.pdf", kind=AssetKind.MANUAL
    ).asset
    # A revision stored before PDFs were checked: not a PDF that opens any more.
    old = AssetRevision.objects.get(asset=asset)
    old.file.storage.delete(old.file.name)
    old.file.storage.save(old.file.name, io.BytesIO(b"%PDF-1.4\nbroken\n%%EOF"))
    add_revision(asset, io.BytesIO(samples.simple_pdf("Manual v2", [])), filename="manual.pdf")
    response = client.post(reverse("assets_admin:revision_restore", args=[old.pk]), follow=True)
    assert response.status_code == 200
    assert "manual.pdf: the PDF cannot be opened" in response.content.decode()
    assert Asset.objects.get().current_revision.number == 2
