"""The assets API used by the admin, the bulk import, the demo data and other apps.

- :func:`create_asset` validates and stores a file as a new asset, or finds the asset that
  already has exactly these bytes (by SHA-256) *and the same kind and visibility* and returns
  it instead of making another asset: storage is deduplicated, visibility never is.
- :func:`add_revision` replaces an asset's file, keeping the earlier revisions.
- :func:`link_asset` attaches an asset to a product, product model or category.

Storage writes cannot take part in a database transaction: files written inside
:func:`atomic_with_files` (which :func:`create_asset` and :func:`add_revision` use) are
deleted again when it rolls back, unless a committed revision holds the same bytes.
"""

import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from pim.catalog.localization import clean_localized, localize
from pim.catalog.models import Category, Product, ProductModel

from .media import unguessable_filename
from .models import DEFAULT_ROLE, Asset, AssetKind, AssetLink, AssetRevision, LinkRole, asset_storage
from .validation import ValidatedFile, validate_file

logger = logging.getLogger(__name__)

# Names of the files stored inside the innermost atomic_with_files() block.
_written_files: ContextVar[list | None] = ContextVar("pim_assets_written_files", default=None)


@contextlib.contextmanager
def atomic_with_files(using=None):
    """``transaction.atomic()`` that also removes the asset files stored inside it when it
    rolls back, so a failed import leaves neither rows nor orphaned files. Nested blocks
    hand their files to the enclosing block when they succeed."""
    parent = _written_files.get()
    written: list[str] = []
    token = _written_files.set(written)
    try:
        with transaction.atomic(using=using):
            yield
    except BaseException:
        _written_files.reset(token)
        _discard_unreferenced(written)
        raise
    _written_files.reset(token)
    if parent is not None:
        parent.extend(written)


def _discard_unreferenced(names) -> None:
    storage = asset_storage()
    for name in names:
        try:
            # Content-addressed: a revision committed meanwhile may hold the same bytes.
            if not AssetRevision.objects.filter(file=name).exists():
                storage.delete(name)
        except Exception:  # clean-up must not hide the error that caused the rollback
            logger.warning("could not remove %s after a rollback", name, exc_info=True)


@dataclass
class CreateResult:
    asset: Asset
    created: bool  # False: the same bytes were already stored as this asset
    notes: list[str]


def _validated(file, filename: str | None, kind: str | None) -> ValidatedFile:
    if isinstance(file, ValidatedFile):
        return file
    return validate_file(file, filename or getattr(file, "name", "") or "", kind=kind)


def find_duplicate(sha256: str, *, kind: str, public: bool, valid_from=None) -> Asset | None:
    """The asset whose current file has exactly these bytes and that is the same kind with
    the same visibility (``public``, ``valid_from``): only such an asset can stand in for
    a new upload. An upload that differs in visibility becomes its own asset (sharing the
    stored bytes), or unchecking “public” would publish it."""
    return (
        Asset.objects.filter(current_revision__sha256=sha256, kind=kind, public=public, valid_from=valid_from)
        .select_related("current_revision")
        .order_by("pk")
        .first()
    )


def _store(revision: AssetRevision, validated: ValidatedFile) -> bool:
    """Put the bytes into storage unless a revision already holds the same bytes.
    Returns True when a new file was written."""
    existing = (
        AssetRevision.objects.filter(sha256=validated.sha256)
        .exclude(file="")
        .values_list("file", flat=True)
        .first()
    )
    if existing and asset_storage().exists(existing):
        revision.file.name = existing
        return False
    validated.content.seek(0)
    revision.file.save(validated.name, validated.content, save=False)
    written = _written_files.get()
    if written is not None:
        written.append(revision.file.name)
    return True


def _normalize_languages(languages) -> str:
    if isinstance(languages, str):
        languages = languages.replace(";", ",").replace(" ", ",").split(",")
    codes = sorted({code.strip().lower() for code in languages or [] if code and code.strip()})
    return ",".join(codes)


def _new_revision(asset, validated: ValidatedFile, *, comment: str = "", user=None) -> AssetRevision:
    number = (asset.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = AssetRevision(
        asset=asset,
        number=number,
        original_filename=validated.name,
        file_format=validated.format.code,
        mime_type=validated.format.mime_type,
        size=validated.size,
        sha256=validated.sha256,
        comment=comment[:255],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    written = _store(revision, validated)
    try:
        revision.save()
        asset.current_revision = revision
        asset.save(update_fields=["current_revision", "updated_at"])
        if asset.kind == AssetKind.IMAGE:
            _sync_wagtail_image(asset, validated)
    except Exception:
        if written:
            revision.file.storage.delete(revision.file.name)
        raise
    return revision


def _sync_wagtail_image(asset: Asset, validated: ValidatedFile) -> None:
    """Keep a Wagtail image (renditions, focal point) for raster product images. It holds its
    own copy of the bytes: Wagtail deletes an image's file with the image. The copy gets a
    random name (renditions are named after it): a name made from the upload, often the
    article number, would let anyone guess where a draft's picture is stored."""
    if validated.format.code == "svg":
        return
    Image = get_image_model()
    validated.content.seek(0)
    data = validated.content.read()
    title = (localize(asset.title) or validated.name)[:255]
    image = asset.image
    if image is None:
        image = Image(title=title)
    else:
        old_name = image.file.name
        image.renditions.all().delete()
        image.focal_point_x = image.focal_point_y = image.focal_point_width = image.focal_point_height = None
        transaction.on_commit(lambda: image.file.storage.delete(old_name) if old_name else None)
    image.file = ImageFile(ContentFile(data), name=unguessable_filename(validated.format.extension))
    image.title = title
    image._set_image_file_metadata()
    image.save()
    if asset.image_id != image.pk:
        asset.image = image
        asset.save(update_fields=["image"])


@atomic_with_files()
def create_asset(
    file,
    *,
    kind: str,
    filename: str | None = None,
    title=None,
    description=None,
    languages=(),
    public: bool = True,
    valid_from=None,
    comment: str = "",
    user=None,
    deduplicate: bool = True,
) -> CreateResult:
    """Validate ``file`` and store it as a new asset of ``kind``.

    When an asset of this kind and visibility already has exactly these bytes as its
    current file it is returned with ``created=False`` (link it instead of storing the file
    twice). Otherwise a new asset is made; identical bytes are still stored only once.
    Raises ValidationError.
    """
    validated = _validated(file, filename, kind)
    if deduplicate:
        duplicate = find_duplicate(validated.sha256, kind=kind, public=public, valid_from=valid_from)
        if duplicate is not None:
            note = _(
                "%(file)s has the same content as asset “%(asset)s” (revision %(rev)s); linked instead."
            ) % {
                "file": validated.name,
                "asset": duplicate,
                "rev": duplicate.current_revision.number,
            }
            return CreateResult(duplicate, False, [*validated.notes, note])
    title = clean_localized(title) or {"en": validated.name.rsplit(".", 1)[0]}
    asset = Asset.objects.create(
        kind=kind,
        title=title,
        description=clean_localized(description),
        languages=_normalize_languages(languages),
        public=public,
        valid_from=valid_from,
    )
    _new_revision(asset, validated, comment=comment, user=user)
    return CreateResult(asset, True, validated.notes)


@transaction.atomic
def create_video_link(url: str, *, title, languages=(), public: bool = True) -> Asset:
    from django.core.validators import URLValidator

    URLValidator(schemes=["https", "http"])(url)
    return Asset.objects.create(
        kind=AssetKind.VIDEO,
        title=clean_localized(title),
        external_url=url,
        languages=_normalize_languages(languages),
        public=public,
    )


@atomic_with_files()
def add_revision(
    asset: Asset, file, *, filename: str | None = None, comment: str = "", user=None
) -> AssetRevision:
    """Replace the asset's file with a new revision; earlier revisions stay stored.
    Downloads serve the new revision from now on."""
    if asset.kind == AssetKind.VIDEO:
        raise ValidationError(_("A video link has no file."))
    validated = _validated(file, filename, asset.kind)
    current = asset.current_revision
    if current is not None and current.sha256 == validated.sha256:
        raise ValidationError(
            _("%(file)s is identical to the current revision %(rev)s of “%(asset)s”.")
            % {"file": validated.name, "rev": current.number, "asset": asset}
        )
    # Lock the row so two uploads cannot take the same revision number; work on the
    # caller's instance so it sees its new current revision.
    Asset.objects.select_for_update().filter(pk=asset.pk).exists()
    return _new_revision(asset, validated, comment=comment, user=user)


@transaction.atomic
def restore_revision(asset: Asset, revision: AssetRevision, *, user=None) -> AssetRevision:
    """Make an earlier revision current again, as a new revision (history stays linear)."""
    if revision.asset_id != asset.pk:
        raise ValidationError(_("Revision %(rev)s belongs to another asset.") % {"rev": revision.number})
    with revision.file.open("rb") as handle:
        return add_revision(
            asset,
            handle,
            filename=revision.original_filename,
            comment=_("Restored revision %(rev)s") % {"rev": revision.number},
            user=user,
        )


def _target_field(target) -> str:
    if isinstance(target, Product):
        return "product"
    if isinstance(target, ProductModel):
        return "product_model"
    if isinstance(target, Category):
        return "category"
    raise TypeError(f"cannot link an asset to {target!r}")


@transaction.atomic
def link_asset(asset: Asset, target, *, role: str | None = None, sort_order: int | None = None) -> AssetLink:
    """Attach ``asset`` to a product, product model or category (idempotent per role).

    The first image linked to a product without a main image becomes its main image.
    """
    field = _target_field(target)
    if role is None:
        role = DEFAULT_ROLE[AssetKind(asset.kind)]
        if (
            role == LinkRole.GALLERY
            and not AssetLink.objects.filter(**{field: target}, role=LinkRole.MAIN_IMAGE).exists()
        ):
            role = LinkRole.MAIN_IMAGE
    if role not in LinkRole.values:
        raise ValidationError(_("Unknown role “%(role)s”.") % {"role": role})
    if role in (LinkRole.MAIN_IMAGE, LinkRole.GALLERY) and asset.kind != AssetKind.IMAGE:
        raise ValidationError(_("Only product images can be the main image or in the gallery."))
    existing = AssetLink.objects.filter(asset=asset, role=role, **{field: target}).first()
    if existing is not None:
        if sort_order is not None and existing.sort_order != sort_order:
            existing.sort_order = sort_order
            existing.save(update_fields=["sort_order"])
        return existing
    if role == LinkRole.MAIN_IMAGE:
        # One main image per target: the previous one moves to the gallery.
        for previous in AssetLink.objects.filter(**{field: target}, role=LinkRole.MAIN_IMAGE):
            if AssetLink.objects.filter(
                asset=previous.asset_id, role=LinkRole.GALLERY, **{field: target}
            ).exists():
                previous.delete()
            else:
                previous.role = LinkRole.GALLERY
                previous.save(update_fields=["role"])
    if sort_order is None:
        sort_order = (
            AssetLink.objects.filter(**{field: target}).aggregate(n=Max("sort_order"))["n"] or 0
        ) + 1
    return AssetLink.objects.create(asset=asset, role=role, sort_order=sort_order, **{field: target})


def unlink_asset(asset: Asset, target, role: str | None = None) -> int:
    links = AssetLink.objects.filter(asset=asset, **{_target_field(target): target})
    if role:
        links = links.filter(role=role)
    return links.delete()[0]
