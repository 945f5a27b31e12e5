"""Uploads are what they claim: images decode, PDFs parse and run nothing, and an upload
that differs in visibility from an identical file never takes over that file's visibility."""

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from pim.assets import samples
from pim.assets.formats import detect_format
from pim.assets.models import Asset, AssetKind
from pim.assets.services import atomic_with_files, create_asset, link_asset
from pim.assets.validation import validate_file

from .conftest import stored_files

PDF = samples.simple_pdf("Datasheet", ["16 bar"])


def _pdf_with(**root_entries) -> bytes:
    writer = PdfWriter()
    writer.append(io.BytesIO(PDF))
    for key, value in root_entries.items():
        writer._root_object[NameObject(f"/{key}")] = value
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _js_action(script: str) -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)}
    )


POLYGLOT_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01<html><script>alert(1)</script></html>" + bytes(64)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", POLYGLOT_JPEG),
        ("photo.png", samples.picture("KH")[:200]),  # truncated
        ("photo.webp", samples.picture("KH", fmt="WEBP")[:60]),
    ],
)
def test_images_must_decode(name, data):
    with pytest.raises(ValidationError) as excinfo:
        validate_file(io.BytesIO(data), name, kind=AssetKind.IMAGE)
    assert excinfo.value.messages[0].startswith(f"{name}:")
    assert "cannot be decoded" in excinfo.value.messages[0]


@pytest.mark.django_db
def test_admin_upload_of_a_polyglot_image_is_a_form_error(client, product, media_root):
    client.force_login(User.objects.create(username="editor", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("asset_library:add"),
        {
            "kind": "image",
            "title_0": "Photo",
            "title_1": "",
            "description_0": "",
            "description_1": "",
            "products": "KH-100/A",
            "file": SimpleUploadedFile("photo.jpg", POLYGLOT_JPEG),
        },
    )
    assert response.status_code == 200
    assert "photo.jpg: the JPEG image cannot be decoded" in response.content.decode()
    assert Asset.objects.count() == 0


def test_html_mentioning_pdf_is_not_a_pdf():
    page = b"<!doctype html><html><body><p>Download %PDF-1.7 files here</p><script>x()</script></body></html>"
    assert detect_format(io.BytesIO(page)).foreign == "html"
    with pytest.raises(ValidationError, match="its content is an HTML document"):
        validate_file(io.BytesIO(page), "datasheet.pdf")
    # A PDF header with a page right behind it is a polyglot, also refused.
    with pytest.raises(ValidationError, match="HTML"):
        validate_file(io.BytesIO(b"%PDF-1.4\n<html><script>alert(1)</script></html>"), "sheet.pdf")
    # The header may follow some junk (the PDF spec allows 1 KB), but it must parse.
    assert validate_file(io.BytesIO(b"\r\n\x00junk" + PDF), "sheet.pdf").format.code == "pdf"
    with pytest.raises(ValidationError, match="sheet.pdf: the PDF cannot be opened"):
        validate_file(io.BytesIO(b"%PDF-1.4\nnot really a pdf\n%%EOF"), "sheet.pdf")


@pytest.mark.parametrize(
    ("entries", "found"),
    [
        ({"OpenAction": _js_action("app.alert(1)")}, "JavaScript"),
        (
            {
                "Names": DictionaryObject(
                    {
                        NameObject("/JavaScript"): DictionaryObject(
                            {
                                NameObject("/Names"): ArrayObject(
                                    [TextStringObject("x"), _js_action("this.print()")]
                                )
                            }
                        )
                    }
                )
            },
            "JavaScript",
        ),
        (
            {
                "OpenAction": DictionaryObject(
                    {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
                )
            },
            "Launch",
        ),
    ],
    ids=["open-action-js", "document-js", "launch"],
)
def test_pdfs_with_scripts_or_launch_actions_are_rejected(entries, found):
    with pytest.raises(ValidationError) as excinfo:
        validate_file(io.BytesIO(_pdf_with(**entries)), "datasheet.pdf", kind=AssetKind.DATASHEET)
    message = excinfo.value.messages[0]
    assert message.startswith("datasheet.pdf:") and found in message and "without JavaScript" in message


def test_an_open_action_that_only_goes_to_a_page_is_fine():
    writer = PdfWriter()
    writer.append(io.BytesIO(PDF))
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    assert validate_file(buffer, "datasheet.pdf", kind=AssetKind.DATASHEET).format.code == "pdf"


@pytest.mark.django_db
def test_same_bytes_with_other_visibility_become_their_own_asset(
    media_root, product, django_capture_on_commit_callbacks
):
    data = samples.step_box("KH-100")
    public = create_asset(io.BytesIO(data), filename="public.step", kind=AssetKind.CAD_3D)
    link_asset(public.asset, product)
    hidden = create_asset(io.BytesIO(data), filename="hidden.step", kind=AssetKind.CAD_3D, public=False)
    later = create_asset(
        io.BytesIO(data),
        filename="later.step",
        kind=AssetKind.CAD_3D,
        valid_from=datetime.date.today() + datetime.timedelta(days=30),
    )
    same = create_asset(io.BytesIO(data), filename="again.step", kind=AssetKind.CAD_3D)
    assert hidden.created and later.created and not same.created
    assert same.asset == public.asset
    assert not hidden.asset.public
    assert set(Asset.objects.publicly_downloadable().values_list("pk", flat=True)) == {public.asset.pk}
    # The bytes are stored once; deleting one asset keeps the file the others use.
    assert hidden.asset.current_revision.file.name == public.asset.current_revision.file.name
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):  # storage deletes run on commit
        public.asset.delete()
    hidden.asset.refresh_from_db()
    with hidden.asset.current_revision.file.open("rb") as handle:
        assert handle.read() == data


@pytest.mark.django_db
def test_files_stored_in_a_rolled_back_block_are_removed(media_root):
    with pytest.raises(RuntimeError), atomic_with_files():
        create_asset(io.BytesIO(samples.step_box("A")), filename="a.step", kind=AssetKind.CAD_3D)
        assert len(stored_files(media_root)) == 1
        raise RuntimeError("later step failed")
    assert stored_files(media_root) == []
    assert Asset.objects.count() == 0
