import io

import pytest
from django.core.exceptions import ValidationError

from pim.assets import samples
from pim.assets.models import Asset, AssetKind, AssetLink, AssetRevision, LinkRole
from pim.assets.services import add_revision, create_asset, link_asset, restore_revision
from tests.factories import make_product

from .conftest import stored_files


def _step(name="KH", size=(40, 30, 20)):
    return io.BytesIO(samples.step_box(name, size))


@pytest.mark.django_db
def test_create_asset_stores_checksum_size_format(media_root):
    data = samples.step_box("KH", (40, 30, 20))
    result = create_asset(
        io.BytesIO(data), filename="Kugelhahn.stp", kind=AssetKind.CAD_3D, languages="de, en"
    )
    asset = result.asset
    assert result.created
    revision = asset.current_revision
    assert revision.number == 1
    assert revision.file_format == "step"
    assert revision.size == len(data)
    assert len(revision.sha256) == 64
    assert revision.original_filename == "Kugelhahn.step"
    assert asset.language_list == ["de", "en"]
    assert asset.title == {"en": "Kugelhahn"}
    with revision.file.open("rb") as handle:
        assert handle.read() == data


@pytest.mark.django_db
def test_same_bytes_twice_are_linked_not_stored_twice(media_root, product):
    first = create_asset(_step(), filename="a.step", kind=AssetKind.CAD_3D)
    second = create_asset(_step(), filename="copy-of-a.step", kind=AssetKind.CAD_3D)
    assert not second.created
    assert second.asset == first.asset
    assert "same content" in second.notes[-1]
    assert Asset.objects.count() == 1
    assert len(stored_files(media_root)) == 1


@pytest.mark.django_db
def test_replacing_the_file_keeps_earlier_revisions(media_root):
    asset = create_asset(_step(size=(10, 10, 10)), filename="a.step", kind=AssetKind.CAD_3D).asset
    first = asset.current_revision
    second = add_revision(asset, _step(size=(20, 10, 10)), filename="a-v2.step", comment="longer body")
    asset.refresh_from_db()
    assert asset.current_revision == second
    assert second.number == 2 and second.comment == "longer body"
    assert list(asset.revisions.values_list("number", flat=True)) == [2, 1]
    # The old file is still there and unchanged.
    with first.file.open("rb") as handle:
        assert handle.read() == samples.step_box("KH", (10, 10, 10))
    assert len(stored_files(media_root)) == 2

    with pytest.raises(ValidationError, match="identical to the current revision"):
        add_revision(asset, _step(size=(20, 10, 10)), filename="again.step")
    with pytest.raises(ValidationError, match="not a STEP|3D CAD model must be"):
        add_revision(asset, io.BytesIO(samples.simple_pdf("x", [])), filename="x.pdf")
    assert AssetRevision.objects.filter(asset=asset).count() == 2

    restored = restore_revision(asset, first)
    assert restored.number == 3
    assert restored.sha256 == first.sha256
    assert restored.file.name == first.file.name  # the bytes are not stored again
    assert len(stored_files(media_root)) == 2


@pytest.mark.django_db
def test_image_assets_get_a_wagtail_image_that_follows_revisions(media_root):
    asset = create_asset(
        io.BytesIO(samples.picture("A", size=(300, 200))), filename="a.png", kind=AssetKind.IMAGE
    ).asset
    image = asset.image
    assert image is not None and (image.width, image.height) == (300, 200)
    image.focal_point_x, image.focal_point_y, image.focal_point_width, image.focal_point_height = 10, 10, 5, 5
    image.save()
    rendition = image.get_rendition("fill-50x50")
    assert rendition.width == 50
    add_revision(asset, io.BytesIO(samples.picture("B", size=(400, 100))), filename="b.png")
    asset.refresh_from_db()
    assert asset.image_id == image.pk
    assert (asset.image.width, asset.image.height) == (400, 100)
    assert asset.image.focal_point_x is None  # a new picture needs a new focal point
    assert asset.image.renditions.count() == 0


@pytest.mark.django_db
def test_links_roles_and_main_image(media_root, family, product):
    other = make_product(family, article_number="KH-200")
    photo_1 = create_asset(io.BytesIO(samples.picture("1")), filename="1.png", kind=AssetKind.IMAGE).asset
    photo_2 = create_asset(io.BytesIO(samples.picture("2")), filename="2.png", kind=AssetKind.IMAGE).asset
    assert link_asset(photo_1, product).role == LinkRole.MAIN_IMAGE
    assert link_asset(photo_2, product).role == LinkRole.GALLERY
    # Linking again is idempotent.
    assert link_asset(photo_2, product).role == LinkRole.GALLERY
    assert AssetLink.objects.filter(product=product).count() == 2
    # Promoting photo 2 demotes photo 1.
    link_asset(photo_2, product, role=LinkRole.MAIN_IMAGE)
    roles = dict(AssetLink.objects.filter(product=product).values_list("asset_id", "role"))
    assert roles[photo_1.pk] == LinkRole.GALLERY
    assert roles[photo_2.pk] == LinkRole.MAIN_IMAGE
    # One asset, many products.
    model = create_asset(_step(), filename="m.step", kind=AssetKind.CAD_3D).asset
    link_asset(model, product)
    link_asset(model, other)
    assert model.links.count() == 2
    with pytest.raises(ValidationError, match="Only product images"):
        link_asset(model, product, role=LinkRole.MAIN_IMAGE)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_deleting_an_asset_removes_files_nothing_else_uses(media_root, family):
    from wagtail.images import get_image_model

    model = create_asset(_step(size=(10, 10, 10)), filename="a.step", kind=AssetKind.CAD_3D).asset
    add_revision(model, _step(size=(20, 10, 10)), filename="b.step")
    other = create_asset(_step(size=(30, 10, 10)), filename="c.step", kind=AssetKind.CAD_3D).asset
    # The other asset gets the bytes of the first one's revision 1 as its revision 2.
    add_revision(other, _step(size=(10, 10, 10)), filename="shared.step")
    photo = create_asset(io.BytesIO(samples.picture("x")), filename="x.png", kind=AssetKind.IMAGE).asset
    image_id = photo.image_id
    assert len(stored_files(media_root / "assets")) == 4
    model.delete()
    remaining = stored_files(media_root / "assets")
    assert len(remaining) == 3  # revision 2 of the deleted asset is gone, the shared bytes stay
    photo.delete()
    assert not get_image_model().objects.filter(pk=image_id).exists()
    assert len(stored_files(media_root / "assets")) == 2
