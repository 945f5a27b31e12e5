"""A file matched by name for one product never silently changes what other products show."""

import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from pim.assets import samples
from pim.assets.bulk import import_assets
from pim.assets.models import Asset, AssetKind, AssetLink
from pim.assets.services import create_asset, link_asset
from tests.factories import make_product


@pytest.fixture
def shared(family, product, media_root):
    """A 2D drawing linked to KH-100/A and to two other products."""
    drawing = create_asset(
        io.BytesIO(samples.dxf_rectangle(40, 30)), filename="drawing.dxf", kind=AssetKind.CAD_2D
    ).asset
    others = [make_product(family, article_number=f"KH-20{i}") for i in range(2)]
    for target in [product, *others]:
        link_asset(drawing, target)
    return drawing, others


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "upload"
    root.mkdir()
    (root / "KH-100-A_drawing.dxf").write_bytes(samples.dxf_rectangle(50, 30))
    return root


RULE = "<article>_<kind>.<ext>"


def _current_bytes(asset) -> bytes:
    asset.refresh_from_db()
    with asset.current_revision.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_a_shared_asset_is_not_revised_by_default(shared, folder, product):
    drawing, others = shared
    report = import_assets(folder, rule=RULE)
    (item,) = report.items
    assert item.status == "created"
    assert item.shared_with == 2
    assert f"Asset {drawing.pk} is shared with 2 other product(s)" in item.message
    # The other products still show the old drawing; this product has its own asset now.
    assert _current_bytes(drawing) == samples.dxf_rectangle(40, 30)
    assert drawing.current_revision.number == 1
    assert set(AssetLink.objects.filter(asset=drawing).values_list("product__article_number", flat=True)) == {
        "KH-200",
        "KH-201",
    }
    own = AssetLink.objects.get(product=product, role="cad_2d").asset
    assert own != drawing and _current_bytes(own) == samples.dxf_rectangle(50, 30)
    assert own.title == drawing.title and own.public == drawing.public

    # A second import finds the product's own asset (not shared) and revises it.
    (folder / "KH-100-A_drawing.dxf").write_bytes(samples.dxf_rectangle(60, 30))
    (again,) = import_assets(folder, rule=RULE).items
    assert (again.status, again.asset_id, again.shared_with) == ("revised", own.pk, None)


@pytest.mark.django_db
def test_dry_run_names_files_that_would_touch_a_shared_asset(shared, folder):
    drawing, _others = shared
    out = io.StringIO()
    call_command("import_assets", str(folder), "--rule", RULE, "--dry-run", stdout=out)
    assert f"asset {drawing.pk} is shared with 2 other product(s)" in out.getvalue()
    (item,) = import_assets(folder, rule=RULE, dry_run=True, revise_shared=True).items
    assert item.shared_with == 2
    assert f"would revise SHARED asset {drawing.pk}: 2 other product(s)" in item.message
    assert Asset.objects.count() == 1


@pytest.mark.django_db
def test_revising_a_shared_asset_is_an_explicit_choice(shared, folder, product):
    drawing, _others = shared
    out = io.StringIO()
    call_command("import_assets", str(folder), "--rule", RULE, "--revise-shared", stdout=out)
    assert "REVISED" in out.getvalue() and "2 other product(s) show the new file" in out.getvalue()
    assert _current_bytes(drawing) == samples.dxf_rectangle(50, 30)
    assert AssetLink.objects.filter(asset=drawing).count() == 3
    assert Asset.objects.count() == 1


@pytest.mark.django_db
def test_admin_bulk_form_offers_revise_shared(client, shared, product):
    drawing, _others = shared
    client.force_login(User.objects.create(username="editor", is_staff=True, is_superuser=True))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("KH-100-A_drawing.dxf", samples.dxf_rectangle(50, 30))
    url = reverse("assets_admin:bulk_upload")
    assert "revise_shared" in client.get(url).content.decode()
    response = client.post(
        url, {"archive": SimpleUploadedFile("b.zip", buffer.getvalue()), "rule": RULE, "revise_shared": "on"}
    )
    assert response.status_code == 200
    assert _current_bytes(drawing) == samples.dxf_rectangle(50, 30)
