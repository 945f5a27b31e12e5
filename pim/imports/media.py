"""The files a BMEcat import names (MIME references), taken from the ZIP it came in.

A MIME reference whose file is a member of the import's ZIP becomes an asset through the
assets app's own upload service (:func:`pim.assets.services.create_asset`: the same
validation as an upload) and is linked to the product with the role its purpose or ETIM code
says (product picture, datasheet, CAD…). A file named by several products is stored once
and linked to each. What cannot be taken over is a warning at the reference, and the product
imports all the same: a link (URL) or a name the ZIP does not hold ("not imported: …"), or a
file the validation refuses (its message). A plain XML file brings no files: its references
are summed up in one warning instead of one per product.

Asset links are no part of a product's revisions (as in the admin): a file imported for a
published product is offered on its page at once, like a file uploaded in the admin.
"""

import logging
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pim.assets.models import DEFAULT_ROLE, KIND_FORMATS, AssetKind, AssetLink, LinkRole
from pim.assets.services import atomic_with_files, create_asset, link_asset
from pim.assets.validation import validate_file

from .records import WARNING, IncomingMedia, Problem

logger = logging.getLogger(__name__)

# In memory up to this size, then on disk: media files are read once per validation.
SPOOL_BYTES = 8 * 1024 * 1024
# BMEcat MIME_PURPOSE: the kind it asks for, and the role of a picture.
_PURPOSE_KINDS = {
    "normal": AssetKind.IMAGE,
    "detail": AssetKind.IMAGE,
    "thumbnail": AssetKind.IMAGE,
    "data_sheet": AssetKind.DATASHEET,
    "safety_data_sheet": AssetKind.DATASHEET,
}
_PURPOSE_ROLES = {"normal": LinkRole.MAIN_IMAGE, "detail": LinkRole.GALLERY, "thumbnail": LinkRole.GALLERY}
# A supplier's logo or an icon is no file of the product.
_NOT_PRODUCT_FILES = {"logo", "icon"}
# ETIM guideline MIME codes (the inverse of what pim.exports.mime writes).
_ETIM_KINDS = {
    "MD01": AssetKind.IMAGE,
    "MD03": AssetKind.DATASHEET,
    "MD09": AssetKind.CERTIFICATE,
    "MD12": AssetKind.CAD_2D,
    "MD14": AssetKind.MANUAL,
    "MD22": AssetKind.DATASHEET,
    "MD37": AssetKind.CAD_3D,
    "MD52": AssetKind.DECLARATION,
}
# Without a kind from the file, the format decides (as the assets' bulk import does).
_FAMILY_KINDS = {
    "cad_3d": AssetKind.CAD_3D,
    "cad_2d": AssetKind.CAD_2D,
    "image": AssetKind.IMAGE,
    "archive": AssetKind.CAD_3D,
    "document": AssetKind.MANUAL,
}


@dataclass(frozen=True)
class MediaLink:
    """A file of the ZIP to link to a product: the member, the asset kind and the role (None:
    a picture becomes the main image when the product has none, else goes to the gallery)."""

    member: str
    kind: str
    role: str | None
    media: IncomingMedia


@dataclass(frozen=True)
class _Checked:
    kind: str = ""
    role: str | None = None
    sha256: str = ""
    refusal: str = ""


class MediaImport:
    """The media of one import pass (dry run or commit) of a BMEcat ``source``: :meth:`plan`
    says per product what would be linked (diff rows) and what not (warnings); :meth:`apply`
    stores and links it. Files are validated once per member, stored once per member."""

    def __init__(self, source, *, user=None):
        self.source = source
        self.user = user
        self.in_zip = bool(getattr(source, "media_names", None))
        self.unzipped_references = 0
        self.example = None  # (article number, media) of the first reference of a plain XML
        self._checked: dict[tuple, _Checked] = {}
        self._assets: dict[tuple, object] = {}  # (member, kind) -> Asset stored in this pass
        # product pk -> {(role, file hash)} of its links, for the batch being planned
        self._existing: dict[int, set] | None = None

    def prepare(self, changes) -> None:
        """Read the links of a batch's stored products that name files, once for the batch
        (whether a file is linked already is asked for every reference)."""
        ids = [c.product.pk for c in changes if c.product is not None and c.incoming.media]
        self._existing = defaultdict(set)
        if not (ids and self.in_zip):
            return
        links = AssetLink.objects.filter(product_id__in=ids).values_list(
            "product_id", "role", "asset__current_revision__sha256"
        )
        for product_id, role, sha256 in links:
            self._existing[product_id].add((role, sha256))

    # -- dry run and commit: what the file's references become --------------------------
    def plan(self, change) -> tuple[list[MediaLink], list[tuple[str, str, str]], list[Problem]]:
        """(links to make, diff rows ``(label, "", file)``, warnings) of ``change``'s media;
        a file already linked to the product with these bytes and role is no change."""
        links, rows, problems = [], [], []
        number = change.incoming.number
        for media in change.incoming.media:
            if media.purpose.lower() in _NOT_PRODUCT_FILES:
                problems.append(self._warning(media, number, _("a logo or icon is no file of the product")))
                continue
            member = self.source.media_member(media.source) if self.in_zip else ""
            if not member:
                if not self.in_zip:
                    self.unzipped_references += 1
                    self.example = self.example or (number, media)
                    continue
                reason = (
                    _("it is a link, not a file in the ZIP archive")
                    if "://" in media.source
                    else _("the ZIP archive holds no such file")
                )
                problems.append(self._warning(media, number, reason))
                continue
            checked = self._check(member, media)
            if checked.refusal:
                problems.append(self._warning(media, number, checked.refusal))
                continue
            if change.product is not None and self._linked(change.product, checked):
                continue
            links.append(MediaLink(member, checked.kind, checked.role, media))
            label = LinkRole(checked.role).label if checked.role else AssetKind(checked.kind).label
            rows.append((_("File: %(role)s") % {"role": label}, "", member))
        return links, rows, problems

    def finish(self) -> list[Problem]:
        """The summary warning of a plain XML's references (none for a ZIP)."""
        if not self.unzipped_references:
            return []
        number, media = self.example
        return [
            Problem(
                _(
                    "%(count)s file reference(s) (MIME) were recorded but not imported: the import is a "
                    "plain XML file, e.g. “%(source)s” of %(article)s. Import a ZIP archive with the XML "
                    "and its files to take them over."
                )
                % {"count": self.unzipped_references, "source": media.source, "article": number},
                media.location,
                WARNING,
                value=media.source,
                article_number=number,
            )
        ]

    def _warning(self, media: IncomingMedia, number: str, reason: str) -> Problem:
        return Problem(
            _("“%(source)s” of product %(article)s not imported: %(reason)s.")
            % {"source": media.source, "article": number, "reason": reason},
            media.location,
            WARNING,
            value=media.source,
            article_number=number,
        )

    def _check(self, member: str, media: IncomingMedia) -> _Checked:
        wanted = _ETIM_KINDS.get(media.code.upper()) or _PURPOSE_KINDS.get(media.purpose.lower())
        key = (member, wanted, media.purpose.lower())
        if key not in self._checked:
            try:
                with self._spooled(media.source) as handle:
                    validated = validate_file(handle, member.rsplit("/", 1)[-1])
            except ValidationError as exc:
                self._checked[key] = _Checked(refusal=str(exc.messages[0]).rstrip("."))
            else:
                kind = wanted
                if kind is None or validated.format.code not in KIND_FORMATS[kind]:
                    kind = _FAMILY_KINDS.get(validated.format.family)
                if kind is None:
                    refusal = _("%(format)s is no format of a product file") % {
                        "format": validated.format.label
                    }
                    self._checked[key] = _Checked(refusal=refusal)
                else:
                    self._checked[key] = _Checked(
                        kind, _role(kind, wanted, media.purpose.lower()), validated.sha256
                    )
        return self._checked[key]

    def _linked(self, product, checked: _Checked) -> bool:
        roles = [checked.role] if checked.role else [LinkRole.MAIN_IMAGE, LinkRole.GALLERY]
        if self._existing is not None:
            existing = self._existing.get(product.pk, ())
            return any((role, checked.sha256) in existing for role in roles)
        return AssetLink.objects.filter(
            product=product, role__in=roles, asset__current_revision__sha256=checked.sha256
        ).exists()

    def _spooled(self, source: str):
        """A seekable copy of the ZIP member a MIME source names (the validation seeks; a ZIP
        member seeks slowly)."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
        with self.source.open_media(source) as stream:
            shutil.copyfileobj(stream, spool)
        spool.seek(0)
        return spool

    # -- commit --------------------------------------------------------------------------
    def apply(self, links: list[MediaLink], product) -> list[Problem]:
        """Store and link ``links`` (from :meth:`plan`) to ``product``; each in a savepoint of
        its own, so a file that fails leaves a warning and the product as imported."""
        problems = []
        for link in links:
            try:
                with atomic_with_files():
                    asset = self._asset(link)
                    link_asset(asset, product, role=link.role)
            except ValidationError as exc:
                reason = str(exc.messages[0]).rstrip(".")
            except Exception as exc:  # storage or decoding: this file only, the product stays imported
                logger.warning(
                    "media %s of %s not imported", link.member, product.article_number, exc_info=True
                )
                reason = f"{type(exc).__name__}: {exc}"
            else:
                continue
            problems.append(self._warning(link.media, product.article_number, reason))
        return problems

    def _asset(self, link: MediaLink):
        key = (link.member, link.kind)
        if key not in self._assets:
            with self._spooled(link.media.source) as handle:
                result = create_asset(
                    handle,
                    kind=link.kind,
                    filename=link.member.rsplit("/", 1)[-1],
                    title=link.media.descriptions or None,
                    comment=_("BMEcat import"),
                    user=self.user,
                )
            self._assets[key] = result.asset
        return self._assets[key]


def _role(kind: str, wanted: str | None, purpose: str) -> str | None:
    if kind == AssetKind.IMAGE:
        return _PURPOSE_ROLES.get(purpose)  # else: the first picture becomes the main image
    if wanted is None and kind == AssetKind.MANUAL:
        return LinkRole.OTHER  # a document the file says nothing about
    return DEFAULT_ROLE[AssetKind(kind)]
