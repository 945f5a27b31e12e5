"""What may be seen of the files under ``MEDIA_URL``: the one rule for Wagtail images and
Wagtail documents, and the unguessable names of stored image originals.

A Wagtail image is **public** when

- it backs an asset anyone may download (:func:`pim.assets.visibility.downloadable_assets`:
  public, valid, linked to a publicly visible product), which is how product pages show
  pictures; or
- a live page outside any private section references it (Wagtail's reference index:
  rich text, choosers, foreign keys), which is how CMS pages show pictures.

A Wagtail document is public only by the second clause: the PIM's own documents are assets
and are downloaded through :mod:`pim.assets.views`.

Of a public image only renditions are served (the sizes pages embed); originals, asset files,
generated datasheets, thumbnails and Wagtail documents never leave the server by their
storage path. People who may use the image or document library in the admin see
renditions and documents whatever their visibility (previews in the admin).
"""

import posixpath
import re
import secrets
from base64 import b32encode

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from wagtail.documents import get_document_model
from wagtail.documents import get_permission_policy as document_permission_policy
from wagtail.images import get_image_model
from wagtail.images import get_permission_policy as image_permission_policy
from wagtail.models import Page, ReferenceIndex

from .models import Asset
from .visibility import downloadable_assets

# 20 random bytes in lowercase base32: 32 characters from [a-z2-7], 5 bits each. Wagtail names
# renditions after the original, cut so that name and filter spec fit 59 characters: the token
# comes first, and a page's spec leaves 16 or more of it (80 bits) even with a focal point.
_TOKEN_BYTES = 20
UNGUESSABLE_ORIGINAL = re.compile(r"^original_images/[a-z2-7]{32}(\.[a-z0-9]+)?$")
EDITOR_ACTIONS = ["add", "change", "choose"]


def unguessable_filename(extension: str) -> str:
    """A random file name with ``extension`` (without dot), for a stored image original:
    names derived from article numbers or upload names could be guessed."""
    token = b32encode(secrets.token_bytes(_TOKEN_BYTES)).decode("ascii").lower()
    extension = extension.lower().lstrip(".")
    return f"{token}.{extension}" if extension else token


def has_unguessable_name(image) -> bool:
    return bool(UNGUESSABLE_ORIGINAL.match(image.file.name or ""))


def give_unguessable_name(image) -> str:
    """Store the original of ``image`` (from before random names) under a random name, delete
    the old file and the renditions (named after the original; they are made again under new
    names when next shown). Returns the new name. Raises OSError when the original is missing."""
    storage = image.file.storage
    old_name = image.file.name
    with transaction.atomic():
        with storage.open(old_name, "rb") as handle:
            image.file.save(unguessable_filename(posixpath.splitext(old_name)[1]), File(handle), save=False)
        try:
            image.save(update_fields=["file"])
            image.renditions.all().delete()
        except Exception:
            storage.delete(image.file.name)
            raise
        transaction.on_commit(lambda: storage.delete(old_name))
    return image.file.name


def _referenced_by_live_page(model):
    """A condition on rows of ``model``: a live page outside private sections refers to the row."""
    live_pages = Page.objects.live().public().annotate(key=Cast("pk", CharField())).values("key")
    return Exists(
        ReferenceIndex.objects.filter(
            to_content_type=ContentType.objects.get_for_model(model),
            to_object_id=Cast(OuterRef("pk"), CharField()),
            base_content_type=ContentType.objects.get_for_model(Page),
            object_id__in=live_pages,
        )
    )


def public_images(queryset=None):
    """The Wagtail images anyone may see (renditions only; see the module docstring)."""
    Image = get_image_model()
    queryset = Image.objects.all() if queryset is None else queryset
    backs_downloadable_asset = Exists(downloadable_assets(Asset.objects.filter(image_id=OuterRef("pk"))))
    return queryset.filter(backs_downloadable_asset | _referenced_by_live_page(Image))


def image_is_public(image) -> bool:
    return public_images(get_image_model().objects.filter(pk=image.pk)).exists()


def public_documents(queryset=None):
    """The Wagtail documents anyone may download: those a live public page refers to."""
    Document = get_document_model()
    queryset = Document.objects.all() if queryset is None else queryset
    return queryset.filter(_referenced_by_live_page(Document))


def document_is_public(document) -> bool:
    return public_documents(get_document_model().objects.filter(pk=document.pk)).exists()


def may_preview_images(user) -> bool:
    """Editors of the image library see every rendition (admin listings, choosers)."""
    return bool(user and user.is_active) and image_permission_policy().user_has_any_permission(
        user, EDITOR_ACTIONS
    )


def may_preview_documents(user) -> bool:
    return bool(user and user.is_active) and document_permission_policy().user_has_any_permission(
        user, EDITOR_ACTIONS
    )
