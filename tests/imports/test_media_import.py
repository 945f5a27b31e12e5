"""Files of a BMEcat ZIP: our own BMEcat 2005 export of a catalog with a picture, a CAD model
and a manual, zipped with the files its MIME sources name (as a supplier sends it), imports
into a catalog without those products: the files become assets with the roles their purpose
says, once per file; what the ZIP lacks or the validation refuses is a warning."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from lxml import etree

from pim.assets import samples
from pim.assets.models import Asset, AssetLink, LinkRole
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import Category, Product
from pim.exports.models import ExportFormat
from pim.imports import jobs, media
from pim.imports.models import ImportFinding, ImportJob, ImportStatus, SourceFormat
from tests.exports.conftest import build_catalog, make_channel
from tests.exports.test_bmecat2005 import NS, export

pytestmark = pytest.mark.django_db


def catalog_with_files():
    """The export test catalog; KH-100 has a picture and a STEP model, and the category
    "ball-valves" a manual (so every product in it names the same manual)."""
    catalog = build_catalog()
    product = catalog.products["full"]
    picture = create_asset(
        ContentFile(samples.picture("KH"), name="kh.png"), kind="image", title={"en": "Front"}
    )
    link_asset(picture.asset, product)
    step = create_asset(
        ContentFile(samples.step_box("KH"), name="kh.step"), kind="cad_3d", title={"en": "3D model"}
    )
    link_asset(step.asset, product)
    manual = create_asset(
        ContentFile(samples.simple_pdf("Manual", ["Operating instructions"]), name="manual.pdf"),
        kind="manual",
        title={"en": "Manual"},
    )
    link_asset(manual.asset, Category.objects.get(code="ball-valves"))


def zipped_export(client, export_format, *, broken_step=False) -> tuple[bytes, bytes, dict]:
    """(ZIP bytes, XML bytes, {article: [MIME sources]}) of an export of the catalog, zipped
    with the files its sources name (fetched as a receiver does), without the German
    generated datasheets; then the catalog's products and assets are deleted."""
    run = export(
        make_channel(export_format, code=f"zip-{export_format}", media_base_url="http://testserver/")
    )
    xml = Path(run.file_path()).read_bytes()
    document = etree.fromstring(xml)
    sources = {}
    for element in document.xpath("//*[local-name()='PRODUCT']"):
        number = element.xpath("string(*[local-name()='SUPPLIER_PID'])")
        sources[number] = [
            s.text
            for s in element.xpath(".//*[local-name()='MIME_SOURCE' or local-name()='UDX.EDXF.MIME_SOURCE']")
        ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("catalog.xml", xml)
        for source in sorted({s for listed in sources.values() for s in listed}):
            if source.endswith("-de.pdf"):
                continue  # the German datasheets are missing from the ZIP
            if broken_step and source.endswith(".step"):
                archive.writestr(source, b"not a model, a text")
                continue
            response = client.get("/" + source)
            assert response.status_code == 200, source
            archive.writestr(source, b"".join(response.streaming_content))
    Product.objects.all().delete()
    Asset.objects.all().delete()
    return buffer.getvalue(), xml, sources


@pytest.fixture
def supplier_zip(settings, tmp_path, client):
    """A BMEcat 2005 export as a supplier's ZIP (see :func:`zipped_export`) whose STEP file is
    broken."""
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    catalog_with_files()
    return zipped_export(client, ExportFormat.BMECAT_2005, broken_step=True)


def make_job(data: bytes, name: str, **options) -> ImportJob:
    job = ImportJob(original_name=name, source_format=SourceFormat.BMECAT, **options)
    job.file.save(name, ContentFile(data), save=False)
    job.save()
    return job


def stored_asset_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "assets"
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def test_dry_run_lists_the_files_it_would_import_and_writes_nothing(supplier_zip):
    data, _xml, sources = supplier_zip
    # The fixture's deleted assets keep their files until a commit the test never makes.
    files_before = stored_asset_files()
    job = make_job(data, "supplier.zip")

    jobs.run_job(job, commit=False)

    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.message
    assert Asset.objects.count() == 0 and Product.objects.count() == 0
    assert stored_asset_files() == files_before
    created = job.findings.get(kind=ImportFinding.Kind.CREATE, article_number="KH-100")
    files = {label: new for label, _old, new in created.changes if label.startswith("File")}
    assert files["File: Main image"].endswith(".jpg")
    # BMEcat 2005 has no purpose for a manual ("others"): a document of no named kind.
    assert files["File: Other document"].endswith("_manual.pdf")
    assert files["File: Datasheet"].endswith("datasheet-en.pdf")
    warnings = [
        f.message for f in job.findings.filter(kind=ImportFinding.Kind.WARNING, article_number="KH-100")
    ]
    assert any("not imported: the ZIP archive holds no such file" in m for m in warnings), warnings
    step = next(m for m in warnings if ".step" in m)
    assert "of product KH-100 not imported" in step


def test_commit_imports_each_file_once_with_its_role(supplier_zip, django_user_model):
    data, _xml, sources = supplier_zip
    user = django_user_model.objects.create_user("pm")
    job = make_job(data, "supplier.zip", user=user)

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    product = Product.objects.get(article_number="KH-100")
    assert product.live is False  # new products arrive as drafts, their files with them
    roles = {link.role: link.asset for link in AssetLink.objects.filter(product=product)}
    assert roles[LinkRole.MAIN_IMAGE].kind == "image"
    assert roles[LinkRole.OTHER].kind == "manual"
    assert roles[LinkRole.DATASHEET].kind == "datasheet"  # the English generated datasheet
    assert LinkRole.CAD_3D not in roles  # the broken STEP file: a warning, the product is in
    assert roles[LinkRole.MAIN_IMAGE].current_revision.created_by == user
    # The manual is named by every product of its category: one asset, linked to each.
    manual = roles[LinkRole.OTHER]
    named_by = [n for n, listed in sources.items() if any("manual" in s for s in listed)]
    assert len(named_by) > 1
    assert sorted(manual.links.values_list("product__article_number", flat=True)) == sorted(named_by)
    assert Asset.objects.filter(kind="manual").count() == 1
    refused = job.findings.get(kind=ImportFinding.Kind.WARNING, value__endswith=".step")
    assert refused.article_number == "KH-100" and refused.line
    assert "not imported" in refused.message


def test_all_or_nothing_rollback_leaves_no_assets_and_no_files(supplier_zip, monkeypatch):
    data, xml, _sources = supplier_zip
    stored = []

    def spy(*args, **kwargs):
        result = create_asset(*args, **kwargs)
        stored.append(result.asset.current_revision.file.name)
        return result

    monkeypatch.setattr(media, "create_asset", spy)
    # The last product of the file gets an invalid GTIN: the files of the products before
    # it are stored, then the whole import is rolled back.
    document = etree.fromstring(xml)
    last = document.findall(".//b:PRODUCT", NS)[-1]
    details = last.find("b:PRODUCT_DETAILS", NS)
    gtin = etree.SubElement(details, f"{{{NS['b']}}}INTERNATIONAL_PID", type="gtin")
    gtin.text = "4006381333932"
    details.insert(1, gtin)
    broken = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(io.BytesIO(data)) as source_zip, io.BytesIO() as out:
        with zipfile.ZipFile(out, "w") as target:
            for info in source_zip.infolist():
                payload = broken if info.filename == "catalog.xml" else source_zip.read(info)
                target.writestr(info.filename, payload)
        edited = out.getvalue()
    files_before = stored_asset_files()
    job = make_job(edited, "supplier.zip")

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED, job.message
    assert job.findings.filter(kind=ImportFinding.Kind.ERROR).exists()
    assert stored  # files were stored for the products before the bad one…
    assert Product.objects.count() == 0 and Asset.objects.count() == 0
    assert stored_asset_files() == files_before  # …and removed again with the rollback


def test_a_plain_xml_records_its_references_in_one_warning(supplier_zip):
    _data, xml, sources = supplier_zip
    job = make_job(xml, "supplier.xml")

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert Asset.objects.count() == 0
    total = sum(len(listed) for listed in sources.values())
    summary = job.findings.get(kind=ImportFinding.Kind.WARNING, message__contains="plain XML")
    assert f"{total} file reference(s)" in summary.message
    assert job.findings.filter(message__contains="not imported").count() == 1  # not one per product


def test_the_etim_variant_links_files_by_their_mime_codes(settings, tmp_path, client):
    settings.PIM_EXPORT_ROOT = tmp_path / "exports"
    catalog_with_files()
    data, _xml, _sources = zipped_export(client, ExportFormat.BMECAT_2005_ETIM)
    job = make_job(data, "etim.zip")

    jobs.run_job(job, commit=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    product = Product.objects.get(article_number="KH-100")
    roles = {link.role: link.asset.kind for link in AssetLink.objects.filter(product=product)}
    # MD01 picture (the first becomes the main image), MD37 3D model, MD14 manual, MD22 datasheet.
    assert roles == {
        LinkRole.MAIN_IMAGE: "image",
        LinkRole.CAD_3D: "cad_3d",
        LinkRole.MANUAL: "manual",
        LinkRole.DATASHEET: "datasheet",
    }
