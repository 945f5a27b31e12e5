"""A BMEcat file (or a ZIP with one and its media files) as a stream of records.

:func:`open_bmecat` checks the file (safety, root element) and counts its products from the
raw bytes. When the file has a catalog group system or group map, those are read in a first
pass (on the first access to ``categories`` or the first iteration): the map of products to
groups stands after all products in BMEcat, yet each record must carry its categories. The map goes to a temporary SQLite file so memory does not grow with it.
Iterating the source then parses the file once more, streaming: each PRODUCT/ARTICLE is
read, turned into a record and cleared with everything before it, so memory stays flat for
files of any size.

Supported: BMEcat 2005 (namespace ``http://www.bmecat.org/bmecat/2005``, its ``2005fd`` and
``2005.1`` variants, or none), the ETIM BMEcat guideline 5.0, and BMEcat 1.2 (T_NEW_CATALOG,
T_UPDATE_PRODUCTS, T_UPDATE_PRICES).
"""

import hashlib
import os
import re
import sqlite3
import tempfile
import weakref
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from lxml import etree

from pim.catalog.models import Category

from ..records import ERROR, WARNING, IncomingProduct, Location, Problem, Raw
from .codes import CatalogCodes
from .products import ProductReader, Reporter, child_text, children, local_name, text_of
from .safety import PROLOG_BYTES, SAFE_PARSE, OpenedFile, UnsafeFile, check_prolog, open_file, scan

TRANSACTIONS = ("T_NEW_CATALOG", "T_UPDATE_PRODUCTS", "T_UPDATE_PRICES")
PRODUCT_TAGS = ("{*}PRODUCT", "{*}ARTICLE")
MAP_TAGS = ("{*}PRODUCT_TO_CATALOGGROUP_MAP", "{*}ARTICLE_TO_CATALOGGROUP_MAP")
STREAM_TAGS = ("{*}BMECAT", "{*}HEADER", *(f"{{*}}{name}" for name in TRANSACTIONS), *PRODUCT_TAGS, *MAP_TAGS)
PRESCAN_TAGS = (
    "{*}HEADER",
    "{*}CATALOG_STRUCTURE",
    *(f"{{*}}{name}" for name in TRANSACTIONS),
    *PRODUCT_TAGS,
    *MAP_TAGS,
)
# What may stand in a transaction besides products (read in the first pass, or understood).
KNOWN_SIBLINGS = {
    "PRODUCT",
    "HEADER",
    "CATALOG_GROUP_SYSTEM",
    "PRODUCT_TO_CATALOGGROUP_MAP",
    "ARTICLE_TO_CATALOGGROUP_MAP",
    *TRANSACTIONS,
}
VERSIONS = {
    "http://www.bmecat.org/bmecat/2005": "BMEcat 2005",
    "http://www.bmecat.org/bmecat/2005fd": "BMEcat 2005 (2005fd)",
    "http://www.bmecat.org/bmecat/2005.1": "BMEcat 2005.1",
    "https://www.etim-international.com/bmecat/50": "ETIM BMEcat 5.0",
    "http://www.etim-international.com/bmecat/50": "ETIM BMEcat 5.0",
}
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
ROOT_PARENTS = {"", "0"}
_LEADING = re.compile(r"^(?:\./|/)+")


def category_code(group_id: str) -> str:
    """The category code of a catalog group: its GROUP_ID when that is a valid code (our
    exports write category codes), else a slug of it."""
    group_id = group_id.strip()
    if _SLUG.fullmatch(group_id):
        return group_id
    # A digest keeps two groups apart whose slugs would be equal ("A/B" and "A-B").
    digest = hashlib.sha256(group_id.encode()).hexdigest()[:8]
    return f"{slugify(group_id)[:80] or 'group'}-{digest}"


@dataclass
class IncomingCategory:
    """A catalog group (CATALOG_STRUCTURE) as the file states it."""

    code: str
    names: dict[str, str] = field(default_factory=dict)
    parent_code: str = ""
    descriptions: dict[str, str] = field(default_factory=dict)
    sort_order: int = 0
    group_id: str = ""
    location: Location = field(default_factory=Location)


def _release(element, on_unknown=None) -> None:
    """Free a read element and everything before it in its parent (flat memory)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        sibling = parent[0]
        if on_unknown is not None and local_name(sibling) not in KNOWN_SIBLINGS:
            on_unknown(sibling)
        del parent[0]


def _syntax_problem(file_name: str, exc: etree.XMLSyntaxError) -> Problem:
    line = exc.lineno if getattr(exc, "lineno", None) else None
    return Problem(
        _(
            "The file is not well-formed XML (%(error)s); nothing after line %(line)s was read. "
            "Fix the XML and import again."
        )
        % {"error": exc.msg if hasattr(exc, "msg") else exc, "line": line or "?"},
        Location(file=file_name, line=line),
        ERROR,
    )


class BmecatSource:
    """Records of a BMEcat file, the same protocol as the tabular source: ``headers`` (none),
    ``total_rows``, ``problems`` (file-level; warnings about ignored elements beyond the
    first few are added while iterating) and iteration over
    :class:`~pim.imports.records.IncomingProduct`; plus ``categories`` (the catalog group
    system, read when the file is opened) and the media files of a ZIP."""

    def __init__(self, opened: OpenedFile | None, *, name: str, mapping=None):
        self.file = opened
        self.name = name
        self.mapping = mapping
        self.headers: list = []  # BMEcat has no columns
        self.problems: list[Problem] = []
        self._categories: list[IncomingCategory] = []
        self._groups_pending = False  # the group system and map are read on first need
        self.total_rows: int | None = None
        self.version = ""
        self.mime_root = ""  # the header's MIME_ROOT (known once iteration has begun)
        self.failed = False
        self._codes: CatalogCodes | None = None
        self._map_db: sqlite3.Connection | None = None
        self._map_path = ""
        self._map_complete = False  # the file assigns products to groups
        self._full_catalog = False
        self._group_codes: dict[str, str] = {}
        self._finalizer = weakref.finalize(self, BmecatSource._cleanup, [None, ""])

    # -- life cycle --------------------------------------------------------------------
    @staticmethod
    def _cleanup(state) -> None:
        connection, path = state
        if connection is not None:
            connection.close()
        if path and os.path.exists(path):
            os.unlink(path)

    def close(self) -> None:
        """Close the archive and remove the temporary group map."""
        if self.file is not None:
            self.file.close()
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def fail(self, message: str, line: int | None = None) -> None:
        self.failed = True
        self.problems.append(Problem(message, Location(file=self.name, line=line), ERROR))

    def warn(self, message: str, line: int | None = None, column: str = "") -> None:
        self.problems.append(Problem(message, Location(file=self.name, line=line, column=column), WARNING))

    # -- media -------------------------------------------------------------------------
    @property
    def media_names(self) -> list[str]:
        """Names of the ZIP's members other than the BMEcat XML (empty for a plain XML)."""
        return sorted(self.file.media.values()) if self.file is not None else []

    def media_member(self, source: str) -> str:
        """The ZIP member a MIME_SOURCE names ('' when the archive does not hold it): the
        path as written (without a leading ``./`` or ``/``), else the one member whose path
        ends in it (the archive may wrap the catalog in a folder)."""
        if self.file is None or not self.file.media:
            return ""
        source = source.strip()
        if self.mime_root and source.startswith(self.mime_root):
            source = source[len(self.mime_root) :]
        wanted = _LEADING.sub("", source.replace("\\", "/")).casefold()
        if not wanted:
            return ""
        if wanted in self.file.media:
            return self.file.media[wanted]
        matches = [name for folded, name in self.file.media.items() if folded.endswith("/" + wanted)]
        return matches[0] if len(matches) == 1 else ""

    def open_media(self, source: str):
        """An open binary stream of the media file a MIME_SOURCE names, or None."""
        member = self.media_member(source)
        return self.file.archive.open(member) if member else None

    # -- reading -----------------------------------------------------------------------
    def _reader(self, reporter: Reporter) -> ProductReader:
        if self._codes is None:
            self._codes = CatalogCodes()
        return ProductReader(file_name=self.name, codes=self._codes, mapping=self.mapping, reporter=reporter)

    def prepare(self) -> None:
        """Check the file, count its products and read its catalog groups."""
        with self.file.open() as stream:
            try:
                prolog = check_prolog(stream.read(PROLOG_BYTES))
            except UnsafeFile as exc:
                self.fail(str(exc))
                return
        if prolog.root != "BMECAT":
            self.fail(
                _("This is not a BMEcat file: its root element is “%(root)s”, not BMECAT.")
                % {"root": prolog.root or "?"}
            )
            return
        for message in prolog.warnings:
            self.warn(message, line=1)
        with self.file.open() as stream:
            result = scan(stream)
        self.total_rows = result.items
        self._groups_pending = result.has_groups

    @property
    def categories(self) -> list[IncomingCategory]:
        """The file's catalog groups (read on first access: it parses the whole file once)."""
        self._ensure_groups()
        return self._categories

    def _ensure_groups(self) -> None:
        if self._groups_pending and not self.failed:
            self._groups_pending = False
            self._read_groups()

    def _read_groups(self) -> None:
        reader = self._reader(Reporter(self.name))
        structures, transaction_name, has_map = [], "", False
        with self.file.open() as stream:
            context = etree.iterparse(stream, events=("start", "end"), tag=PRESCAN_TAGS, **SAFE_PARSE)
            try:
                for event, element in context:
                    name = local_name(element)
                    if event == "start":
                        if name in TRANSACTIONS:
                            transaction_name = name
                        continue
                    if name == "HEADER":
                        reader.read_header(element)
                    elif name == "CATALOG_STRUCTURE":
                        structures.append(self._structure(reader, element))
                    elif name.endswith("_TO_CATALOGGROUP_MAP"):
                        has_map = True
                        if element.get("mode") != "delete":
                            self._store_map(element)
                    if name not in TRANSACTIONS:
                        _release(element)
            except etree.XMLSyntaxError as exc:
                self.failed = True
                self.problems.append(_syntax_problem(self.name, exc))
                return
        self._map_complete = has_map
        self._full_catalog = transaction_name == "T_NEW_CATALOG"
        if self._map_db is not None:
            self._map_db.execute("CREATE INDEX item ON map (item)")
            self._map_db.commit()
        self._build_categories(structures)

    def _structure(self, reader: ProductReader, element) -> tuple:
        names, descriptions = {}, {}
        for name, child in children(element):
            if name in ("GROUP_NAME", "GROUP_DESCRIPTION"):
                language = reader.language(child)
                if language:
                    (names if name == "GROUP_NAME" else descriptions)[language] = text_of(child)
        order = child_text(element, "GROUP_ORDER")
        return (
            element.get("type") or "",
            child_text(element, "GROUP_ID"),
            child_text(element, "PARENT_ID"),
            names,
            descriptions,
            int(order) if order.isdigit() else 0,
            element.sourceline,
        )

    def _store_map(self, element) -> None:
        item = child_text(element, "PROD_ID") or child_text(element, "ART_ID")
        group = child_text(element, "CATALOG_GROUP_ID")
        if not (item and group):
            self.warn(
                _("A product-to-group assignment without product or group was ignored."),
                line=element.sourceline,
                column=local_name(element),
            )
            return
        if self._map_db is None:
            handle, self._map_path = tempfile.mkstemp(prefix="bmecat-groups-", suffix=".sqlite3")
            os.close(handle)
            self._map_db = sqlite3.connect(self._map_path)
            self._map_db.execute("CREATE TABLE map (item TEXT, grp TEXT, line INTEGER)")
            self._finalizer.detach()
            self._finalizer = weakref.finalize(self, BmecatSource._cleanup, [self._map_db, self._map_path])
        self._map_db.execute("INSERT INTO map VALUES (?, ?, ?)", (item, group, element.sourceline))

    def _build_categories(self, structures) -> None:
        roots = {group_id for kind, group_id, *_rest in structures if kind == "root"}
        known = {group_id for kind, group_id, *_rest in structures if kind != "root"}
        for kind, group_id, parent_id, names, descriptions, order, line in structures:
            if kind == "root" or not group_id:
                continue
            code = category_code(group_id)
            self._group_codes[group_id] = code
            parent = ""
            if parent_id not in ROOT_PARENTS and parent_id not in roots:
                if parent_id in known:
                    parent = category_code(parent_id)
                else:
                    self.warn(
                        _(
                            "The catalog group “%(group)s” names the parent “%(parent)s”, which the file does "
                            "not define; it is placed at the top of the tree."
                        )
                        % {"group": group_id, "parent": parent_id},
                        line=line,
                        column="CATALOG_STRUCTURE/PARENT_ID",
                    )
            self._categories.append(
                IncomingCategory(
                    code=code,
                    names=names,
                    parent_code=parent,
                    descriptions=descriptions,
                    sort_order=order,
                    group_id=group_id,
                    location=Location(file=self.name, line=line, column="CATALOG_STRUCTURE"),
                )
            )

    def _categories_of(self, product: IncomingProduct) -> list[Raw] | None:
        if not self._map_complete:
            return None
        rows = []
        if self._map_db is not None:
            rows = self._map_db.execute(
                "SELECT grp, line FROM map WHERE item = ? ORDER BY rowid", (product.number,)
            ).fetchall()
        if not rows and not self._full_catalog:
            return None  # an update file that does not assign this product says nothing
        codes = self._group_codes
        return [
            Raw(
                codes.get(group, category_code(group)),
                Location(file=self.name, line=line, column="CATALOG_GROUP_ID"),
            )
            for group, line in rows
        ]

    def __iter__(self):
        self._ensure_groups()  # products need the group map, which stands after them
        if self.failed or self.file is None:
            return
        reporter = Reporter(self.name)
        reader = self._reader(reporter)
        transaction_name = ""
        # Collects warnings about unknown elements between products (file-level problems).
        file_level = IncomingProduct(article_number=Raw(""))

        def unknown(element):
            reporter.ignored(file_level, element, local_name(element) or str(element.tag))

        with self.file.open() as stream:
            context = etree.iterparse(stream, events=("start", "end"), tag=STREAM_TAGS, **SAFE_PARSE)
            try:
                for event, element in context:
                    name = local_name(element)
                    if event == "start":
                        if name == "BMECAT":
                            namespace = etree.QName(element).namespace or ""
                            self.version = VERSIONS.get(namespace) or (
                                f"BMEcat {element.get('version')}" if element.get("version") else "BMEcat"
                            )
                        elif name in TRANSACTIONS:
                            transaction_name = name
                        continue
                    if name == "HEADER":
                        reader.read_header(element)
                        self.mime_root = reader.mime_root
                    elif name == "PRODUCT":
                        yield self._product(reader, element, transaction_name)
                    if name != "BMECAT" and name not in TRANSACTIONS:
                        _release(element, unknown)
                        self.problems.extend(file_level.problems)
                        file_level.problems.clear()
            except etree.XMLSyntaxError as exc:
                self.problems.append(_syntax_problem(self.name, exc))
        self.problems.extend(reporter.summary())
        for language, count in sorted(reader.foreign_languages.items()):
            self.warn(
                _(
                    "%(count)s texts in the language “%(language)s” were ignored: the catalog's languages are "
                    "%(languages)s."
                )
                % {"count": count, "language": language, "languages": ", ".join(sorted(reader.languages))}
            )

    def _product(self, reader: ProductReader, element, transaction_name: str) -> IncomingProduct:
        mode = element.get("mode") or ""
        if transaction_name == "T_UPDATE_PRODUCTS":
            action = mode if mode in ("new", "update", "delete") else "update"
        elif transaction_name == "T_UPDATE_PRICES":
            action = "update"
        else:
            action = "delete" if mode == "delete" else ""
        product = reader.read(element, action=action, prices_only=transaction_name == "T_UPDATE_PRICES")
        if not transaction_name:
            product.problems.append(
                Problem(
                    _("This product stands outside T_NEW_CATALOG/T_UPDATE_PRODUCTS; it was read anyway."),
                    product.location,
                    WARNING,
                    article_number=product.number,
                )
            )
        if product.number and action != "delete" and transaction_name != "T_UPDATE_PRICES":
            product.categories = self._categories_of(product)
        return product


def open_bmecat(path, *, mapping=None) -> BmecatSource:
    """Open a BMEcat XML file or a ZIP with one (and its media files) for reading.

    Never raises for a bad file: an unsafe or unreadable file gives a source whose
    ``problems`` hold an error (and ``failed`` is set) and which yields no products."""
    name = os.path.basename(str(path))
    try:
        opened = open_file(path)
    except UnsafeFile as exc:
        source = BmecatSource(None, name=name, mapping=mapping)
        source.fail(str(exc))
        return source
    except OSError as exc:
        source = BmecatSource(None, name=name, mapping=mapping)
        source.fail(_("The file cannot be read (%(error)s).") % {"error": exc.strerror or exc})
        return source
    source = BmecatSource(opened, name=opened.name, mapping=mapping)
    source.prepare()
    return source


def apply_categories(source: BmecatSource) -> dict[str, int]:
    """Create the file's catalog groups as categories and update the names, descriptions and
    parents of those that exist (by code). Parents come before their children whatever the
    file's order. Returns ``{"created": n, "updated": n}``."""
    incoming = {category.code: category for category in source.categories}

    def depth(category, seen=()):
        parent = incoming.get(category.parent_code)
        if parent is None or parent.code in seen:
            return 0
        return 1 + depth(parent, (*seen, category.code))

    ordered = sorted(incoming.values(), key=lambda category: (depth(category), category.sort_order))
    counts = {"created": 0, "updated": 0}
    with transaction.atomic():
        existing = {category.code: category for category in Category.objects.filter(code__in=list(incoming))}
        parents = {
            category.code: category
            for category in Category.objects.filter(
                code__in={c.parent_code for c in ordered if c.parent_code}
            )
        }
        for category in ordered:
            names = category.names or {settings.PIM_LANGUAGES[0]: category.group_id}
            parent = parents.get(category.parent_code) or existing.get(category.parent_code)
            current = existing.get(category.code)
            if current is None:
                current = Category.objects.create(
                    code=category.code,
                    name=names,
                    description=category.descriptions,
                    parent=parent,
                    sort_order=category.sort_order,
                )
                counts["created"] += 1
            else:
                merged_names = {**(current.name or {}), **names}
                merged_descriptions = {**(current.description or {}), **category.descriptions}
                if (
                    merged_names != current.name
                    or merged_descriptions != (current.description or {})
                    or current.parent_id != (parent.pk if parent else None)
                ):
                    current.name, current.description, current.parent = (
                        merged_names,
                        merged_descriptions,
                        parent,
                    )
                    current.save()
                    counts["updated"] += 1
            existing[category.code] = current
            parents[category.code] = current
    return counts
