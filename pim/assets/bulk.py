"""Bulk upload: a folder or a ZIP of files named after article numbers.

The naming rule is a pattern with placeholders, default ``<article>_<kind>_<lang>.<ext>``:

- ``<article>`` article number of a product (or code of a product model), required;
- ``<kind>`` kind of asset: ``image``, ``datasheet``, ``cad``/``3d``, ``drawing``/``2d``,
  ``manual``, ``certificate``, ``declaration``/``doc``, ``software`` (German words too);
  without it the kind follows from the format (STEP → 3D CAD, PDF → datasheet…);
- ``<lang>`` language of the document (``de``, ``en``…), optional;
- ``<title>`` free text used as the title, optional; ``<any>`` ignored text;
- ``<ext>`` the extension.

Every file is validated like an upload; a file whose target already has an asset of the
same kind and languages becomes a new revision of it — unless that asset is shared with
other products, models or categories: then the file becomes a new asset of this target
(which moves its link to it), so other products never change what they show by surprise;
``revise_shared`` revises the shared asset instead. Identical bytes are linked, not stored
twice. Each file is its own transaction (asset, revision, links; a stored file is removed
again on rollback); a file that fails, however it fails, is one line of the report and the
import goes on. Symbolic links and special files (in a folder or a ZIP) are reported and
never opened.
"""

import logging
import os
import re
import stat
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.catalog.models import Product, ProductModel

from .archives import ArchiveError, check_zip, special_member_problem
from .models import DEFAULT_ROLE, Asset, AssetKind, AssetLink
from .services import add_revision, atomic_with_files, create_asset, link_asset
from .signals import products_reached
from .validation import validate_file

logger = logging.getLogger(__name__)

DEFAULT_RULE = "<article>_<kind>_<lang>.<ext>"

_PLACEHOLDERS = {
    "article": r"(?P<article>.+?)",
    "kind": r"(?P<kind>[A-Za-z0-9-]+?)",
    "lang": r"(?P<lang>[A-Za-z]{2}(?:-[A-Za-z]{2})?)",
    "title": r"(?P<title>.+?)",
    "any": r".*?",
    "ext": r"(?P<ext>[A-Za-z0-9_]+)",
}

KIND_ALIASES = {
    AssetKind.IMAGE: {"image", "img", "photo", "picture", "bild", "foto"},
    AssetKind.DATASHEET: {"datasheet", "ds", "data", "db", "datenblatt"},
    AssetKind.CAD_3D: {"cad", "3d", "cad3d", "step", "model", "modell"},
    AssetKind.CAD_2D: {"2d", "cad2d", "drawing", "dwg", "dxf", "zeichnung", "massblatt"},
    AssetKind.MANUAL: {"manual", "instructions", "ba", "anleitung", "handbuch"},
    AssetKind.CERTIFICATE: {"certificate", "cert", "zertifikat"},
    AssetKind.DECLARATION: {"declaration", "doc", "ce", "konformitaet", "konformitätserklärung"},
    AssetKind.SOFTWARE: {"software", "firmware", "fw", "sw"},
}
_KIND_BY_ALIAS = {alias: kind for kind, aliases in KIND_ALIASES.items() for alias in aliases}
_KIND_BY_FORMAT_FAMILY = {
    "cad_3d": AssetKind.CAD_3D,
    "cad_2d": AssetKind.CAD_2D,
    "image": AssetKind.IMAGE,
    "document": AssetKind.DATASHEET,
    "archive": AssetKind.CAD_3D,
}


class RuleError(ValueError):
    pass


def compile_rule(rule: str) -> re.Pattern:
    """The regular expression of a naming rule; RuleError for unknown placeholders."""
    names = re.findall(r"<([^<>]*)>", rule)
    unknown = [n for n in names if n not in _PLACEHOLDERS]
    if unknown:
        raise RuleError(
            _("Unknown placeholder(s) %(names)s in the naming rule; use %(known)s.")
            % {
                "names": ", ".join(f"<{n}>" for n in unknown),
                "known": ", ".join(f"<{n}>" for n in _PLACEHOLDERS),
            }
        )
    if "article" not in names:
        raise RuleError(_("The naming rule needs <article>."))
    if len(names) != len(set(names)) and any(names.count(n) > 1 for n in names if n != "any"):
        raise RuleError(_("Each placeholder may appear once in the naming rule."))
    parts = re.split(r"(<[^<>]*>)", rule)
    regex = "".join(
        _PLACEHOLDERS[p[1:-1]] if p.startswith("<") and p.endswith(">") else re.escape(p) for p in parts
    )
    return re.compile(f"^{regex}$", re.IGNORECASE)


# What the report shows for each status code (the codes themselves stay stable for callers).
STATUS_LABELS = {
    "created": gettext_lazy("created"),
    "revised": gettext_lazy("revised"),
    "linked": gettext_lazy("linked"),
    "unchanged": gettext_lazy("unchanged"),
    "skipped": gettext_lazy("skipped"),
    "failed": gettext_lazy("failed"),
    "checked": gettext_lazy("checked"),
}


@dataclass
class ImportItem:
    name: str
    status: str  # created, revised, linked, unchanged, skipped, failed, checked (dry run)
    message: str = ""
    article: str = ""
    kind: str = ""
    asset_id: int | None = None
    # Other products that show the asset this file revises (or would revise in a dry run).
    shared_with: int | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    items: list[ImportItem] = field(default_factory=list)

    def counts(self) -> Counter:
        return Counter(item.status for item in self.items)

    @property
    def summary(self) -> list[tuple[str, int]]:
        """``[(status, count), …]`` sorted by status (templates cannot iterate a Counter)."""
        return sorted(self.counts().items())

    @property
    def summary_labels(self) -> list[tuple[str, int]]:
        """Like :attr:`summary`, with the status shown in the active language."""
        return [(str(STATUS_LABELS.get(status, status)), count) for status, count in self.summary]

    @property
    def ok(self) -> bool:
        return not any(item.status in ("skipped", "failed") for item in self.items)

    def as_dict(self) -> dict:
        """JSON-ready form, kept by a background import job."""
        return {"source": self.source, "dry_run": self.dry_run, "items": [asdict(i) for i in self.items]}

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        return cls(
            source=data.get("source", ""),
            dry_run=bool(data.get("dry_run")),
            items=[ImportItem(**item) for item in data.get("items", [])],
        )

    def as_text(self) -> str:
        lines = [
            (_("Dry run of %(source)s (nothing was stored)") if self.dry_run else _("Import of %(source)s"))
            % {"source": self.source}
        ]
        for item in self.items:
            target = f" → {item.article}" if item.article else ""
            kind = f" [{item.kind}]" if item.kind else ""
            detail = f": {item.message}" if item.message else ""
            lines.append(f"  {item.status_label.upper():9} {item.name}{target}{kind}{detail}")
        lines.append(
            _("Summary: %(summary)s")
            % {"summary": ", ".join(f"{n} {label}" for label, n in self.summary_labels) or "0"}
        )
        return "\n".join(lines)


class SourceRefused(OSError):
    """A source file that must not be read (it changed into a link or special file)."""


@dataclass
class SourceFile:
    name: str  # relative path, for the report
    open: Callable
    problem: str = ""  # why it is refused without being opened (a link, a special file)


def _skip_name(name: str) -> bool:
    parts = name.split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts) or name.endswith("/")


def _link_problem(relative: str, mode: int) -> str:
    if stat.S_ISLNK(mode):
        return _("“%(name)s” is a symbolic link; links are not followed, copy the file itself.") % {
            "name": relative
        }
    return _("“%(name)s” is not a regular file (a FIFO, device or socket); it was not opened.") % {
        "name": relative
    }


def _open_regular(path: str, expected: os.stat_result):
    """Open ``path`` only if it is still the regular file seen while listing the folder: no
    link is followed at the last step (O_NOFOLLOW), a FIFO cannot block (O_NONBLOCK), and
    the opened inode must be the listed one (no link swapped in on the way)."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise SourceRefused(_("it cannot be opened (%(error)s).") % {"error": exc.strerror or exc}) from None
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
        expected.st_dev,
        expected.st_ino,
    ):
        os.close(fd)
        raise SourceRefused(_("it changed while the folder was read (now a link or a special file)."))
    return os.fdopen(fd, "rb")


def iter_folder(folder: Path):
    """The files of a folder and its subfolders, sorted; links (to files or folders) and
    special files are listed with their problem and never opened or followed."""
    root = os.fspath(folder)
    found = []
    for current, dirnames, filenames in os.walk(root, followlinks=False):
        for name in list(dirnames):
            path = os.path.join(current, name)
            if os.path.islink(path):
                dirnames.remove(name)  # os.walk would not enter it anyway; report it
                filenames.append(name)
        for name in filenames:
            path = os.path.join(current, name)
            relative = Path(os.path.relpath(path, root)).as_posix()
            if _skip_name(relative):
                continue
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                found.append(SourceFile(relative, _refused, _link_problem(relative, info.st_mode)))
            else:
                found.append(SourceFile(relative, lambda path=path, info=info: _open_regular(path, info)))
    return sorted(found, key=lambda source: source.name)


def _refused():
    raise SourceRefused(_("refused"))


def iter_zip(archive: zipfile.ZipFile):
    for info in archive.infolist():
        if info.is_dir() or _skip_name(info.filename):
            continue
        problem = special_member_problem(info)
        if problem:
            yield SourceFile(info.filename, _refused, problem)
            continue

        def opener(info=info):
            # Validation needs a seekable file; members are small enough to spool.
            copy = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    copy.write(chunk)
            copy.seek(0)
            return copy

        yield SourceFile(info.filename, opener)


def _title(article: str, kind: str, given: str = "") -> dict:
    title = {}
    for language in settings.PIM_LANGUAGES:
        with translation.override(language):
            label = given or str(AssetKind(kind).label)
            title[language] = f"{article} {label}"
    return title


def _target(article: str):
    product = Product.objects.by_article_number(article).first()
    if product is not None:
        return product, product.article_number
    model = ProductModel.objects.filter(code__iexact=article).first()
    if model is not None:
        return model, model.code
    return None, article


def _existing_asset(target, kind: str, languages: str) -> Asset | None:
    field_name = "product" if isinstance(target, Product) else "product_model"
    candidates = Asset.objects.filter(
        kind=kind,
        languages=languages,
        links__in=AssetLink.objects.filter(**{field_name: target}, role=DEFAULT_ROLE[AssetKind(kind)]),
    ).distinct()
    if kind == AssetKind.IMAGE:
        return None  # several pictures per product are normal: never replace one by name
    return candidates.first() if candidates.count() == 1 else None


def _sharing(asset: Asset, target) -> tuple[bool, int]:
    """Whether ``asset`` is linked to anything but ``target``, and how many products other
    than those ``target`` stands for it reaches through those links."""
    field_name = "product" if isinstance(target, Product) else "product_model"
    others = list(
        asset.links.exclude(**{field_name: target}).values_list(
            "product_id", "product_model_id", "category_id"
        )
    )
    if not others:
        return False, 0
    reached = products_reached(
        product_ids=[o[0] for o in others],
        model_ids=[o[1] for o in others],
        category_ids=[o[2] for o in others],
    )
    own = (
        {target.pk}
        if isinstance(target, Product)
        else set(Product.objects.filter(product_model=target).values_list("pk", flat=True))
    )
    return True, len(reached - own)


def import_file(
    source: SourceFile, pattern: re.Pattern, *, dry_run: bool, user=None, revise_shared: bool = False
) -> ImportItem:
    """Import one file; every outcome, including a refused or broken file, is an item."""
    if source.problem:
        return ImportItem(source.name, "failed", source.problem)
    basename = source.name.rsplit("/", 1)[-1]
    match = pattern.match(basename)
    if not match:
        return ImportItem(source.name, "skipped", _("the name does not match the naming rule."))
    groups = {k: v for k, v in match.groupdict().items() if v}
    article = groups["article"]
    target, shown_article = _target(article)
    if target is None:
        return ImportItem(
            source.name,
            "skipped",
            _("no product or product model “%(article)s”.") % {"article": article},
            article,
        )
    kind = None
    if "kind" in groups:
        kind = _KIND_BY_ALIAS.get(groups["kind"].lower()) or (
            groups["kind"].lower() if groups["kind"].lower() in AssetKind.values else None
        )
        if kind is None or kind == AssetKind.VIDEO:
            return ImportItem(
                source.name,
                "skipped",
                _("unknown kind “%(kind)s” (use %(known)s).")
                % {
                    "kind": groups["kind"],
                    "known": ", ".join(sorted(k for k in AssetKind.values if k != "video")),
                },
                shown_article,
            )
    language = groups.get("lang", "").lower()
    known_languages = {code for code, _name in settings.LANGUAGES} | set(settings.PIM_LANGUAGES)
    if language and language.split("-")[0] not in known_languages:
        return ImportItem(
            source.name, "skipped", _("unknown language “%(lang)s”.") % {"lang": language}, shown_article
        )
    try:
        handle = source.open()
    except SourceRefused as exc:
        return ImportItem(source.name, "failed", str(exc), shown_article, kind or "")
    try:
        try:
            validated = validate_file(handle, basename, kind=kind)
        except ValidationError as exc:
            return ImportItem(source.name, "failed", exc.messages[0], shown_article, kind or "")
        kind = kind or _KIND_BY_FORMAT_FAMILY.get(validated.format.family, AssetKind.MANUAL)
        if kind == AssetKind.DATASHEET and validated.format.code != "pdf":
            kind = AssetKind.MANUAL
        existing = _existing_asset(target, kind, language)
        shared, reach = _sharing(existing, target) if existing is not None else (False, 0)
        if (
            existing is not None
            and existing.current_revision
            and existing.current_revision.sha256 == validated.sha256
        ):
            status = "checked" if dry_run else "unchanged"
            message = (
                _("identical to the current file of asset %(id)s") % {"id": existing.pk} if dry_run else ""
            )
            return ImportItem(source.name, status, message, shown_article, kind, existing.pk)
        if dry_run:
            return ImportItem(
                source.name,
                "checked",
                f"{_dry_run_verb(existing, shared, reach, revise_shared)} ({validated.format.label})",
                shown_article,
                kind,
                existing.pk if existing else None,
                reach if shared else None,
            )
        # One transaction per file: the asset, its revision and its links exist together
        # or not at all (and a file stored for them is removed again).
        with atomic_with_files():
            if existing is not None and (not shared or revise_shared):
                revision = add_revision(existing, validated, comment=_("Bulk import"), user=user)
                message = _("revision %(n)s") % {"n": revision.number}
                if shared:
                    message += " " + _shared_note(existing, reach, revised=True)
                return ImportItem(
                    source.name,
                    "revised",
                    message,
                    shown_article,
                    kind,
                    existing.pk,
                    reach if shared else None,
                )
            result = create_asset(
                validated,
                kind=kind,
                title=existing.title if existing else _title(shown_article, kind, groups.get("title", "")),
                description=existing.description if existing else None,
                languages=[language] if language else [],
                # A copy of a shared asset keeps its visibility: only the file differs.
                public=existing.public if existing else True,
                valid_from=existing.valid_from if existing else None,
                comment=_("Bulk import"),
                user=user,
            )
            notes = list(result.notes)
            if existing is not None:
                field_name = "product" if isinstance(target, Product) else "product_model"
                AssetLink.objects.filter(
                    asset=existing, role=DEFAULT_ROLE[AssetKind(kind)], **{field_name: target}
                ).delete()
                notes.insert(0, _shared_note(existing, reach, revised=False))
            link_asset(result.asset, target)
        status = "created" if result.created else "linked"
        return ImportItem(
            source.name,
            status,
            " ".join(notes),
            shown_article,
            kind,
            result.asset.pk,
            reach if shared else None,
        )
    except ValidationError as exc:
        return ImportItem(source.name, "failed", exc.messages[0], shown_article, kind or "")
    finally:
        handle.close()


def _shared_note(asset: Asset, reach: int, *, revised: bool) -> str:
    values = {"id": asset.pk, "count": reach}
    if revised:
        return _("Asset %(id)s is shared: %(count)s other product(s) show the new file too.") % values
    return (
        _(
            "Asset %(id)s is shared with %(count)s other product(s), which keep their file; this "
            "product now has its own asset (choose “revise shared assets” to change it for all)."
        )
        % values
    )


def _dry_run_verb(existing, shared: bool, reach: int, revise_shared: bool) -> str:
    if existing is None:
        return _("would link")
    values = {"id": existing.pk, "count": reach}
    if not shared:
        return _("would add a revision to asset %(id)s") % values
    if revise_shared:
        return (
            _("would revise SHARED asset %(id)s: %(count)s other product(s) would show the new file") % values
        )
    return (
        _(
            "asset %(id)s is shared with %(count)s other product(s): would make a new asset for this "
            "product (they keep their file)"
        )
        % values
    )


def import_assets(
    path,
    *,
    rule: str = DEFAULT_RULE,
    dry_run: bool = False,
    user=None,
    progress=None,
    revise_shared: bool = False,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import a folder or a ZIP archive (a path or an open binary file) and report.

    Raises RuleError for a bad rule and ArchiveError for an unsafe archive (then nothing
    is imported). ``progress`` wraps the iterable of files (e.g. tqdm). ``revise_shared``:
    a file may revise an asset other products show too. Pass ``report`` to keep the items
    done so far if the import is interrupted (the caller can still print them)."""
    pattern = compile_rule(rule)
    name = str(getattr(path, "name", path))
    if report is None:
        report = ImportReport(source="", dry_run=dry_run)
    report.source = report.source or os.path.basename(name) or name
    report.dry_run = dry_run
    options = {"dry_run": dry_run, "user": user, "progress": progress, "revise_shared": revise_shared}
    if isinstance(path, str | Path) and Path(path).is_dir():
        return _run(report, iter_folder(Path(path)), pattern, **options)
    handle = open(path, "rb") if isinstance(path, str | Path) else path  # noqa: SIM115 - closed below
    try:
        check_zip(handle, skip_special=True)
        with zipfile.ZipFile(handle) as archive:
            return _run(report, list(iter_zip(archive)), pattern, **options)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(
            _("%(name)s is not a ZIP archive or folder (%(error)s).") % {"name": name, "error": exc}
        ) from None
    finally:
        if isinstance(path, str | Path):
            handle.close()


def _run(report, sources, pattern, *, dry_run, user, progress, revise_shared):
    iterable = progress(sources) if progress else sources
    for source in iterable:
        try:
            item = import_file(source, pattern, dry_run=dry_run, user=user, revise_shared=revise_shared)
        except Exception as exc:
            # Whatever breaks on one file (a decoder, storage, the database) is that file's
            # line in the report; its transaction is rolled back and the next file goes on.
            logger.exception("bulk import of %s failed", source.name)
            item = ImportItem(
                source.name,
                "failed",
                _("unexpected error (%(error)s); this file was not imported, the others were.")
                % {"error": f"{type(exc).__name__}: {exc}"},
            )
        report.items.append(item)
    return report
