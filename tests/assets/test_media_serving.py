"""Files under MEDIA_URL: only renditions of public images answer, in development and in
production; originals, asset files, datasheets and Wagtail documents never do."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission, Page, PageViewRestriction

from pim.assets import samples
from pim.assets.datasheet import datasheet_for
from pim.assets.media import has_unguessable_name, image_is_public, public_images
from pim.assets.models import AssetKind
from pim.assets.services import add_revision, create_asset, link_asset
from pim.catalog.models import Lifecycle
from tests.factories import make_pdf_asset, make_product

RANDOM_ORIGINAL = re.compile(r"^original_images/[a-z2-7]{32}\.(png|jpg|webp)$")


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Wagtail updates its reference index in a task: run it inline."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def picture_asset(label: str, *, fmt: str = "PNG", extension: str = "png", **options):
    data = samples.picture(label, fmt=fmt)
    return create_asset(
        io.BytesIO(data), filename=f"{label}.{extension}", kind=AssetKind.IMAGE, **options
    ).asset


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def library_editor(user_model, app_label: str, codename: str):
    """A user whose group may use the image or document library (Wagtail grants that per
    collection)."""
    group = Group.objects.create(name=f"{app_label} editors")
    GroupCollectionPermission.objects.create(
        group=group,
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(content_type__app_label=app_label, codename=codename),
    )
    user = user_model.objects.create_user(f"{app_label}-editor", password="pw")
    user.groups.add(group)
    return user


def rendition_url(image, spec="max-165x165") -> str:
    return image.get_rendition(spec).url


@pytest.fixture
def public_picture(product):
    asset = picture_asset("KH-100-A")
    link_asset(asset, product)
    return asset


# -- public renditions ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rendition_of_a_public_image_is_served_for_long(client, public_picture, debug_modes):
    rendition = public_picture.image.get_rendition("max-165x165")
    assert rendition.url.startswith("/media/images/")
    response = client.get(rendition.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    with rendition.file.open("rb") as handle:
        assert body(response) == handle.read()
    assert response["Cache-Control"] == "public, max-age=86400, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    again = client.get(rendition.url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, max-age=86400, immutable"
    head = client.head(rendition.url)
    assert head.status_code == 200 and head.content == b""


@pytest.mark.django_db
def test_the_product_page_embeds_renditions_that_answer(client, public_picture, product):
    html = client.get("/products/KH-100%2FA/", follow=True).content.decode()
    sources = re.findall(r'<img[^>]+src="(/media/images/[^"]+)"', html)
    assert sources, html
    for source in sources:
        assert client.get(source).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mode", "header"),
    [("x-accel-redirect", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")],
)
def test_web_server_delivery_of_renditions(client, settings, public_picture, product, mode, header):
    settings.PIM_ASSET_DELIVERY = mode
    rendition = public_picture.image.get_rendition("max-165x165")
    response = client.get(rendition.url)
    assert response.status_code == 200 and response.content == b""
    expected = (
        "/protected-media/" + rendition.file.name if mode == "x-accel-redirect" else rendition.file.path
    )
    assert response[header] == expected
    assert response["Cache-Control"] == "public, max-age=86400, immutable"
    link_asset(picture_asset("other"), product)  # unrelated change
    public_picture.public = False
    public_picture.save()
    hidden = client.get(rendition.url)
    assert hidden.status_code == 404 and header not in hidden


@pytest.mark.django_db
def test_redirect_delivery_with_local_storage_streams_instead_of_looping(client, settings, public_picture):
    settings.PIM_ASSET_DELIVERY = "redirect"
    response = client.get(rendition_url(public_picture.image))
    assert response.status_code == 200
    assert body(response)[:8] == b"\x89PNG\r\n\x1a\n"


# -- nothing else leaves by its path ---------------------------------------------------------


def _hidden_cases(family, product):
    """Image assets that are not public, each with the reason."""
    draft = make_product(family, article_number="KH-DRAFT-1", live=False)
    draft_lifecycle = make_product(family, article_number="KH-DRAFT-2", lifecycle=Lifecycle.DRAFT)
    cases = {
        "not public": (picture_asset("not-public", public=False), product),
        "not yet valid": (
            picture_asset("future", valid_from=timezone.localdate() + timedelta(days=1)),
            product,
        ),
        "unpublished product": (picture_asset("KH-DRAFT-1"), draft),
        "draft product": (picture_asset("KH-DRAFT-2"), draft_lifecycle),
        "not linked": (picture_asset("loose"), None),
    }
    for asset, target in cases.values():
        if target is not None:
            link_asset(asset, target)
    return {reason: asset for reason, (asset, _target) in cases.items()}


@pytest.mark.django_db
def test_no_path_leads_to_a_hidden_image(client, family, product, debug_modes):
    for reason, asset in _hidden_cases(family, product).items():
        image = asset.image
        assert not image_is_public(image), reason
        paths = [
            image.file.url,  # /media/original_images/<name>
            rendition_url(image),  # /media/images/<rendition>
            rendition_url(image, "original"),
            asset.current_revision.file.url,  # /media/assets/<hash>/<name>
        ]
        for path in paths:
            assert path.startswith("/media/"), path
            assert client.get(path).status_code == 404, (reason, path)
            assert client.head(path).status_code == 404, (reason, path)


@pytest.mark.django_db
def test_originals_and_files_of_public_assets_are_not_served_by_path(
    client, public_picture, product, debug_modes
):
    datasheet = make_pdf_asset("KH-100 datasheet")
    link_asset(datasheet, product)
    generated = datasheet_for(product, "en")
    for path in (
        public_picture.image.file.url,
        public_picture.current_revision.file.url,
        datasheet.current_revision.file.url,
        generated.file.url,
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_paths_that_climb_out_of_the_rendition_folder(client, public_picture, debug_modes):
    original = public_picture.image.file.name
    rendition = public_picture.image.get_rendition("max-165x165").file.name
    for path in (
        f"/media/images/../{original}",
        f"/media/images/%2e%2e/{original}",
        f"/media/images//{rendition.removeprefix('images/')}",
        f"/media/./{rendition}",
        f"/media/{rendition}/",
        "/media/images/",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_an_image_turns_private_when_its_product_is_taken_offline(client, public_picture, product):
    url = rendition_url(public_picture.image)
    assert client.get(url).status_code == 200
    product.live = False
    product.save()
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_editors_of_the_image_library_preview_any_rendition(client, family, product, django_user_model):
    hidden = _hidden_cases(family, product)["unpublished product"]
    url = rendition_url(hidden.image)
    someone = django_user_model.objects.create_user("someone", password="pw")
    client.force_login(someone)
    assert client.get(url).status_code == 404
    editor = library_editor(django_user_model, "wagtailimages", "choose_image")
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"  # never kept by a shared cache
    assert client.get(hidden.image.file.url).status_code == 404  # originals: not even for editors


# -- images and documents of CMS pages --------------------------------------------------------


def _home():
    return Page.objects.get(depth=2).specific


def _publish_intro(page, html):
    page.intro = html
    page.save_revision().publish()


@pytest.mark.django_db
def test_an_image_used_by_a_live_page_is_public(client):
    Image = get_image_model()
    image = Image.objects.create(
        title="Factory", file=ImageFile(io.BytesIO(samples.picture("factory")), name="factory.png")
    )
    url = rendition_url(image)
    assert client.get(url).status_code == 404  # uploaded, used nowhere
    home = _home()
    _publish_intro(
        home, f'<p>Our plant</p><embed embedtype="image" id="{image.pk}" format="fullwidth" alt=""/>'
    )
    assert list(public_images()) == [image]
    assert client.get(url).status_code == 200
    PageViewRestriction.objects.create(page=home, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(url).status_code == 404  # a private section's pictures stay private
    PageViewRestriction.objects.all().delete()
    home.unpublish()
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_wagtail_documents_need_a_live_page_linking_them(client, django_user_model, debug_modes):
    Document = get_document_model()
    document = Document.objects.create(
        title="Price list 2026",
        file=ContentFile(samples.simple_pdf("Prices", ["net"]), name="price-list.pdf"),
    )
    assert document.url == f"/documents/{document.pk}/price-list.pdf"
    assert client.get(document.url).status_code == 404
    assert client.get(document.file.url).status_code == 404  # /media/documents/…
    editor = library_editor(django_user_model, "wagtaildocs", "change_document")
    client.force_login(editor)
    assert client.get(document.url).status_code == 200
    client.logout()
    _publish_intro(_home(), f'<p><a linktype="document" id="{document.pk}">Prices</a></p>')
    response = client.get(document.url)
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF")
    assert client.get(document.file.url).status_code == 404  # still only through the view


# -- unguessable names ---------------------------------------------------------------------


@pytest.mark.django_db
def test_image_originals_get_random_names_that_renditions_inherit(public_picture):
    image = public_picture.image
    assert RANDOM_ORIGINAL.match(image.file.name), image.file.name
    assert has_unguessable_name(image)
    rendition = image.get_rendition("fill-640x480-c100|format-webp")
    assert "KH" not in rendition.file.name
    token = image.file.name.removeprefix("original_images/").split(".")[0]
    assert rendition.file.name.startswith("images/" + token[:16])
    jpeg = picture_asset("KH-100-B", fmt="JPEG", extension="jpeg")
    assert RANDOM_ORIGINAL.match(jpeg.image.file.name) and jpeg.image.file.name.endswith(".jpg")
    first_name = image.file.name
    add_revision(public_picture, io.BytesIO(samples.picture("KH-100-A v2")), filename="KH-100-A.png")
    public_picture.refresh_from_db()
    assert RANDOM_ORIGINAL.match(public_picture.image.file.name)
    assert public_picture.image.file.name != first_name  # a new picture, a new name


@pytest.mark.django_db
def test_rename_command_gives_existing_originals_random_names(django_capture_on_commit_callbacks):
    Image = get_image_model()
    data = samples.picture("KH-OLD")
    image = Image.objects.create(title="KH-OLD", file=ImageFile(io.BytesIO(data), name="KH-OLD.png"))
    old_name = image.file.name
    assert old_name == "original_images/KH-OLD.png"
    storage = image.file.storage
    image.get_rendition("max-165x165")

    out = io.StringIO()
    call_command("assets_rename_media", "--dry-run", stdout=out)
    assert "1 image originals would be renamed" in out.getvalue()
    image.refresh_from_db()
    assert image.file.name == old_name

    with django_capture_on_commit_callbacks(execute=True):
        call_command("assets_rename_media", stdout=io.StringIO())
    image.refresh_from_db()
    assert RANDOM_ORIGINAL.match(image.file.name)
    with storage.open(image.file.name, "rb") as handle:
        assert handle.read() == data
    assert not storage.exists(old_name)
    assert image.renditions.count() == 0
    assert "KH-OLD" not in image.get_rendition("max-165x165").file.name

    out = io.StringIO()
    call_command("assets_rename_media", stdout=out)
    assert "Renamed 0 image originals; 1 already had random names." in out.getvalue()


@pytest.mark.django_db
def test_rename_command_names_images_whose_original_is_missing():
    Image = get_image_model()
    image = Image.objects.create(
        title="Lost", file=ImageFile(io.BytesIO(samples.picture("lost")), name="lost.png")
    )
    image.file.storage.delete(image.file.name)
    with pytest.raises(
        CommandError, match=rf"Image {image.pk} “Lost”: its original original_images/lost.png"
    ):
        call_command("assets_rename_media", stdout=io.StringIO())
