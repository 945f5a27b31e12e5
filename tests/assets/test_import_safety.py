"""Bulk import safety: links and special files are refused unopened, every file is its own
atomic unit, and one bad file never stops the batch or the report."""

import io
import os
import stat
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from pim.assets import bulk, samples
from pim.assets.bulk import import_assets, iter_folder
from pim.assets.models import Asset, AssetKind, AssetLink, AssetRevision
from pim.assets.services import create_asset

from .conftest import stored_files

SECRET = b"ISO-10303-21;\nsecret outside the import folder\n"


def _symlink_member(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: the mode bits in external_attr count
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _polyglot_jpeg() -> bytes:
    """Starts like a JPEG (SOI and an APP0 marker), then is an HTML page: no image decoder
    can read it, a browser that sniffs would render it."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01<html><body><script>alert(1)</script></body></html>" + bytes(
        64
    )


@pytest.fixture
def outside(tmp_path):
    secret = tmp_path / "outside" / "KH-100-A_cad_de.step"
    secret.parent.mkdir()
    secret.write_bytes(SECRET)
    return secret


@pytest.mark.django_db
def test_folder_import_refuses_links_and_special_files_without_opening_them(
    tmp_path, outside, product, media_root, monkeypatch
):
    root = tmp_path / "upload"
    root.mkdir()
    (root / "KH-100-A_datasheet_en.pdf").write_bytes(samples.simple_pdf("Datasheet", ["16 bar"]))
    (root / "KH-100-A_cad_de.step").symlink_to(outside)
    (root / "KH-100-A_manual_en.pdf").symlink_to("/etc/passwd")
    (root / "linked-folder").symlink_to(outside.parent, target_is_directory=True)
    os.mkfifo(root / "KH-100-A_drawing_de.dxf")
    opened = []
    real_open = bulk._open_regular
    monkeypatch.setattr(
        bulk, "_open_regular", lambda path, info: opened.append(path) or real_open(path, info)
    )

    report = import_assets(root)

    by_name = {item.name: item for item in report.items}
    assert by_name["KH-100-A_datasheet_en.pdf"].status == "created"
    for name in ("KH-100-A_cad_de.step", "KH-100-A_manual_en.pdf", "linked-folder"):
        assert by_name[name].status == "failed"
        assert "symbolic link" in by_name[name].message and name in by_name[name].message
    assert by_name["KH-100-A_drawing_de.dxf"].status == "failed"
    assert "not a regular file" in by_name["KH-100-A_drawing_de.dxf"].message
    assert not any("linked-folder/" in name for name in by_name)  # never entered
    assert [os.path.basename(p) for p in opened] == ["KH-100-A_datasheet_en.pdf"]
    assert list(Asset.objects.values_list("kind", flat=True)) == [AssetKind.DATASHEET]
    assert not any(_stored_bytes(media_root, path) == SECRET for path in stored_files(media_root))


def _stored_bytes(root, relative):
    return (root / relative).read_bytes()


@pytest.mark.django_db
def test_a_file_swapped_for_a_link_after_listing_is_not_read(tmp_path, outside, product, media_root):
    root = tmp_path / "upload"
    root.mkdir()
    path = root / "KH-100-A_cad_de.step"
    path.write_bytes(samples.step_box("KH"))
    (source,) = iter_folder(root)
    path.unlink()
    path.symlink_to(outside)  # the race: a link appears between listing and opening
    item = bulk.import_file(source, bulk.compile_rule(bulk.DEFAULT_RULE), dry_run=False)
    assert item.status == "failed"
    assert Asset.objects.count() == 0


@pytest.mark.django_db
def test_zip_symlink_members_are_refused_in_bulk_imports_and_in_zip_assets(tmp_path, product, media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_symlink_member("KH-100-A_cad_de.step", "/etc/passwd"), "/etc/passwd")
        archive.writestr("KH-100-A_datasheet_en.pdf", samples.simple_pdf("Datasheet", []))
    buffer.seek(0)
    report = import_assets(buffer)
    by_name = {item.name: item for item in report.items}
    assert by_name["KH-100-A_cad_de.step"].status == "failed"
    assert "symbolic link" in by_name["KH-100-A_cad_de.step"].message
    assert by_name["KH-100-A_datasheet_en.pdf"].status == "created"

    # A CAD bundle (a ZIP asset) with a link inside is rejected as a whole, naming the member,
    # also when the link hides in a nested archive.
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("model.step", samples.step_box("x"))
        archive.writestr(_symlink_member("docs/readme.txt", "../../.ssh/id_rsa"), "../../.ssh/id_rsa")
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("inner.zip", bundle.getvalue())
    for data in (bundle.getvalue(), nested.getvalue()):
        with pytest.raises(ValidationError) as excinfo:
            create_asset(io.BytesIO(data), filename="cad-bundle.zip", kind=AssetKind.CAD_3D)
        assert "cad-bundle.zip" in excinfo.value.messages[0]
        assert "docs/readme.txt" in excinfo.value.messages[0] and "symbolic link" in excinfo.value.messages[0]
    assert Asset.objects.filter(kind=AssetKind.CAD_3D).count() == 0


@pytest.mark.django_db
def test_a_polyglot_image_is_one_failed_file_and_the_batch_goes_on(tmp_path, product, media_root):
    root = tmp_path / "upload"
    root.mkdir()
    (root / "KH-100-A_image_a.jpg").write_bytes(_polyglot_jpeg())
    (root / "KH-100-A_image_b.png").write_bytes(samples.picture("KH"))
    out = io.StringIO()
    call_command(
        "import_assets", str(root), "--rule", "<article>_<kind>_<any>.<ext>", stdout=out, stderr=io.StringIO()
    )
    text = out.getvalue()
    assert "FAILED" in text and "KH-100-A_image_a.jpg" in text and "cannot be decoded" in text
    assert "CREATED" in text and "KH-100-A_image_b.png" in text
    assert "Summary:" in text
    assert AssetLink.objects.filter(product=product).count() == 1


@pytest.mark.django_db
def test_an_unexpected_error_rolls_back_that_file_only(tmp_path, product, media_root, monkeypatch):
    root = tmp_path / "upload"
    root.mkdir()
    (root / "KH-100-A_cad_de.step").write_bytes(samples.step_box("KH"))
    (root / "KH-100-A_datasheet_en.pdf").write_bytes(samples.simple_pdf("Datasheet", []))
    real_link = bulk.link_asset

    def link_asset(asset, target, **kwargs):
        if asset.kind == AssetKind.CAD_3D:
            raise RuntimeError("database went away")
        return real_link(asset, target, **kwargs)

    monkeypatch.setattr(bulk, "link_asset", link_asset)
    out = io.StringIO()
    call_command("import_assets", str(root), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "KH-100-A_cad_de.step" in text and "RuntimeError: database went away" in text
    # No asset with a revision and a file but no links: the STEP file left nothing behind.
    assert not Asset.objects.filter(kind=AssetKind.CAD_3D).exists()
    assert AssetRevision.objects.count() == 1
    assert [p for p in stored_files(media_root) if p.endswith(".step")] == []
    assert AssetLink.objects.get(product=product).asset.kind == AssetKind.DATASHEET
