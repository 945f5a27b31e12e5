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
same kind and languages becomes a new revision of it; identical bytes are linked, not
stored twice. Each file is its own transaction; the report says what was linked, revised,
skipped and why.
"""

import os
import re
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pim.catalog.models import Product, ProductModel

from .archives import ArchiveError, check_zip
from .models import DEFAULT_ROLE, Asset, AssetKind, AssetLink
from .services import add_revision, create_asset, link_asset
from .validation import validate_file

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


@dataclass
class SourceFile:
    name: str  # relative path, for the report
    open: callable


def _skip_name(name: str) -> bool:
    parts = name.split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts) or name.endswith("/")


def iter_folder(folder: Path):
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not _skip_name(relative):
            yield SourceFile(relative, lambda path=path: open(path, "rb"))  # noqa: SIM115 - closed by the caller


def iter_zip(archive: zipfile.ZipFile):
    for info in archive.infolist():
        if info.is_dir() or _skip_name(info.filename):
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


def import_file(source: SourceFile, pattern: re.Pattern, *, dry_run: bool, user=None) -> ImportItem:
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
    handle = source.open()
    try:
        try:
            validated = validate_file(handle, basename, kind=kind)
        except ValidationError as exc:
            return ImportItem(source.name, "failed", exc.messages[0], shown_article, kind or "")
        kind = kind or _KIND_BY_FORMAT_FAMILY.get(validated.format.family, AssetKind.MANUAL)
        if kind == AssetKind.DATASHEET and validated.format.code != "pdf":
            kind = AssetKind.MANUAL
        existing = _existing_asset(target, kind, language)
        if dry_run:
            verb = (
                _("would add a revision to asset %(id)s") % {"id": existing.pk}
                if existing
                else _("would link")
            )
            return ImportItem(
                source.name, "checked", f"{verb} ({validated.format.label})", shown_article, kind
            )
        if existing is not None:
            if existing.current_revision and existing.current_revision.sha256 == validated.sha256:
                return ImportItem(source.name, "unchanged", "", shown_article, kind, existing.pk)
            revision = add_revision(existing, validated, comment=_("Bulk import"), user=user)
            return ImportItem(
                source.name,
                "revised",
                _("revision %(n)s") % {"n": revision.number},
                shown_article,
                kind,
                existing.pk,
            )
        result = create_asset(
            validated,
            kind=kind,
            title=_title(shown_article, kind, groups.get("title", "")),
            languages=[language] if language else [],
            comment=_("Bulk import"),
            user=user,
        )
        link_asset(result.asset, target)
        status = "created" if result.created else "linked"
        message = " ".join(result.notes)
        return ImportItem(source.name, status, message, shown_article, kind, result.asset.pk)
    except ValidationError as exc:
        return ImportItem(source.name, "failed", exc.messages[0], shown_article, kind or "")
    finally:
        handle.close()


def import_assets(
    path, *, rule: str = DEFAULT_RULE, dry_run: bool = False, user=None, progress=None
) -> ImportReport:
    """Import a folder or a ZIP archive (a path or an open binary file) and report.

    Raises RuleError for a bad rule and ArchiveError for an unsafe archive (then nothing
    is imported). ``progress`` wraps the iterable of files (e.g. tqdm)."""
    pattern = compile_rule(rule)
    name = str(getattr(path, "name", path))
    report = ImportReport(source=os.path.basename(name) or name, dry_run=dry_run)
    if isinstance(path, str | Path) and Path(path).is_dir():
        sources = list(iter_folder(Path(path)))
        return _run(report, sources, pattern, dry_run, user, progress)
    handle = open(path, "rb") if isinstance(path, str | Path) else path  # noqa: SIM115 - closed below
    try:
        check_zip(handle)
        with zipfile.ZipFile(handle) as archive:
            return _run(report, list(iter_zip(archive)), pattern, dry_run, user, progress)
    except zipfile.BadZipFile as exc:
        raise ArchiveError(
            _("%(name)s is not a ZIP archive or folder (%(error)s).") % {"name": name, "error": exc}
        ) from None
    finally:
        if isinstance(path, str | Path):
            handle.close()


def _run(report, sources, pattern, dry_run, user, progress):
    iterable = progress(sources) if progress else sources
    for source in iterable:
        report.items.append(import_file(source, pattern, dry_run=dry_run, user=user))
    return report
