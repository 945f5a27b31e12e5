import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from pim.assets import samples
from pim.assets.bulk import RuleError, compile_rule, import_assets
from pim.assets.models import Asset, AssetKind, AssetLink
from pim.catalog.models import ProductModel
from tests.factories import make_product

from .conftest import stored_files


@pytest.fixture
def folder(tmp_path, product):
    root = tmp_path / "upload"
    (root / "sub").mkdir(parents=True)
    (root / "KH-100-A_cad_de.step").write_bytes(samples.step_box("KH-100"))
    (root / "KH100A_datasheet_en.pdf").write_bytes(samples.simple_pdf("Datasheet", ["16 bar"]))
    (root / "sub" / "KH-100-A_image_de.png").write_bytes(samples.picture("KH"))
    (root / "KH-999_cad_de.step").write_bytes(samples.step_box("KH-999"))
    (root / "KH-100-A_cad_de-copy.stl").write_bytes(samples.stl_box_ascii("x"))
    (root / "KH-100-A_manual_en.pdf").write_bytes(b"<html><body>not a pdf</body></html>")
    (root / "KH-100-A_brochure_en.pdf").write_bytes(samples.simple_pdf("x", []))
    (root / ".DS_Store").write_bytes(b"junk")
    return root


@pytest.mark.django_db
def test_import_folder_reports_linked_and_skipped(folder, product, media_root):
    report = import_assets(folder)
    by_name = {item.name: item for item in report.items}
    assert by_name["KH-100-A_cad_de.step"].status == "created"
    assert by_name["KH-100-A_cad_de.step"].kind == AssetKind.CAD_3D
    assert by_name["KH100A_datasheet_en.pdf"].status == "created"  # article numbers match normalized
    assert by_name["sub/KH-100-A_image_de.png"].status == "created"
    assert by_name["KH-999_cad_de.step"].status == "skipped"
    assert "no product or product model “KH-999”" in by_name["KH-999_cad_de.step"].message
    assert by_name["KH-100-A_cad_de-copy.stl"].status == "skipped"  # "de-copy" is no language
    assert by_name["KH-100-A_manual_en.pdf"].status == "failed"
    assert "HTML" in by_name["KH-100-A_manual_en.pdf"].message
    assert "unknown kind “brochure”" in by_name["KH-100-A_brochure_en.pdf"].message
    assert ".DS_Store" not in by_name
    cad = Asset.objects.get(kind=AssetKind.CAD_3D)
    assert cad.language_list == ["de"]
    assert cad.title["en"] == "KH-100/A 3D CAD model"
    assert set(cad.title) == {"en", "de"}
    assert AssetLink.objects.filter(product=product).count() == 3
    text = report.as_text()
    assert "SKIPPED" in text and "Summary:" in text

    # Importing the same folder again changes nothing; a changed file becomes a revision.
    (folder / "KH-100-A_cad_de.step").write_bytes(samples.step_box("KH-100", (60, 30, 20)))
    again = {item.name: item for item in import_assets(folder).items}
    assert again["KH100A_datasheet_en.pdf"].status == "unchanged"
    assert again["KH-100-A_cad_de.step"].status == "revised"
    cad.refresh_from_db()
    assert cad.current_revision.number == 2
    assert Asset.objects.filter(kind=AssetKind.CAD_3D).count() == 1


@pytest.mark.django_db
def test_dry_run_stores_nothing(folder, media_root):
    report = import_assets(folder, dry_run=True)
    assert {item.status for item in report.items} == {"checked", "skipped", "failed"}
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_import_zip_with_custom_rule_and_product_model(tmp_path, family, media_root):
    make_product(family, article_number="4711-01")
    ProductModel.objects.create(code="SERIES-9", name={"en": "Series 9"}, family=family)
    archive = tmp_path / "assets.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export/4711-01 - Maßzeichnung.dxf", samples.dxf_rectangle())
        zf.writestr("export/SERIES-9 - Modell.step", samples.step_box("S9"))
        zf.writestr("export/readme.txt", b"hello")
    report = import_assets(archive, rule="<article> - <title>.<ext>")
    statuses = {item.name: (item.status, item.kind) for item in report.items}
    assert statuses["export/4711-01 - Maßzeichnung.dxf"] == ("created", AssetKind.CAD_2D)
    assert statuses["export/SERIES-9 - Modell.step"] == ("created", AssetKind.CAD_3D)
    assert statuses["export/readme.txt"][0] == "skipped"
    drawing = Asset.objects.get(kind=AssetKind.CAD_2D)
    assert drawing.title["en"] == "4711-01 Maßzeichnung"
    assert AssetLink.objects.get(asset__kind=AssetKind.CAD_3D).product_model.code == "SERIES-9"


@pytest.mark.django_db
def test_unsafe_zip_and_bad_rule_are_refused(tmp_path, product, media_root):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../KH-100-A_cad_de.step", samples.step_box("x"))
    with pytest.raises(CommandError, match="outside the archive"):
        call_command("import_assets", str(archive), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(RuleError, match="<sku>"):
        compile_rule("<sku>_<kind>.<ext>")
    with pytest.raises(CommandError, match="needs <article>"):
        call_command("import_assets", str(tmp_path), "--rule", "<kind>.<ext>", stdout=io.StringIO())
    assert Asset.objects.count() == 0


@pytest.mark.django_db
def test_command_prints_the_report(folder, media_root):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_assets", str(folder), "--dry-run", stdout=out, stderr=err)
    text = out.getvalue()
    assert "Dry run" in text
    assert "KH-999_cad_de.step" in text and "SKIPPED" in text
    assert Asset.objects.count() == 0
