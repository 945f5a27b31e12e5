"""Streaming, validating and safe reader for ETIM International eXchange Format (ETIMIXF 1.0).

The ETIM model is a 27 MB XML file. It is read with an incremental (push) parser, validated
against ``ETIMIXF1.0.xsd`` while it streams, and every top-level item (unit, feature, value,
group, class) is turned into a small record and then cleared from the tree, so memory stays
flat whatever the file size. An error stops the stream as soon as libxml2 reports it; the
file is then read again to name the line and the ETIM item it occurs in.

Parsing is safe: no DTD loading, no entity resolution, no network access; a document with a
DOCTYPE declaration is refused outright (ETIMIXF files never carry one).

The schema's identity constraints (key/keyref) select unqualified element names while the
schema's elements are namespace-qualified, so libxml2 (rightly) never applies them: the
references from classes to features, values, units and groups are checked by the importer.
"""

import re
import sys
import zipfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

NAMESPACE = "http://www.etim-international.com/etimixf/1"
_NS = "{" + NAMESPACE + "}"

# An archive member claiming (or turning out) to be larger than this is refused: the real
# model is 27 MB; this keeps a decompression bomb from filling the disk or the memory.
MAX_XML_BYTES = 1 << 30
# The parser is fed in chunks; after a schema error the file is read again line by line
# (lines never longer than _MAX_LINE) so the error points at the right line.
_CHUNK = 256 * 1024
_MAX_LINE = 64 * 1024

_ITEM_TAGS = {f"{_NS}{name}": name for name in ("Unit", "Feature", "Value", "Group", "Class")}
_HEADER_TAG = f"{_NS}Header"
_NAMESPACE_RE = re.compile(r"\{[a-z]+:[^}]*\}")
_RELEASE_RE = re.compile(r"\d+\.\d+")


class EtimFormatError(Exception):
    """The ETIM file cannot be imported: not found, not well-formed, not valid, or inconsistent.

    ``str()`` names the file and, where known, the line.
    """

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self):
        if self.line:
            return _("%(source)s, line %(line)s: %(message)s") % {
                "source": self.source,
                "line": self.line,
                "message": self.message,
            }
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class EtimHeader:
    release: str  # e.g. "6.0"; empty when the file does not say


@dataclass(frozen=True, slots=True)
class EtimUnit:
    code: str
    names: dict[str, str]
    abbreviations: dict[str, str]
    line: int

    @property
    def abbreviation(self) -> str:
        """The English abbreviation (ETIM's reference language), else any."""
        return self.abbreviations.get("en") or next(iter(self.abbreviations.values()), "")


@dataclass(frozen=True, slots=True)
class EtimFeature:
    code: str
    type: str  # Alphanumeric, Logical, Numeric, Range
    names: dict[str, str]
    line: int


@dataclass(frozen=True, slots=True)
class EtimValue:
    code: str
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class EtimGroup:
    code: str
    names: dict[str, str]


class EtimClassValue(NamedTuple):
    code: str
    order: int
    change_code: str


@dataclass(frozen=True, slots=True)
class EtimClassFeature:
    feature_code: str
    unit_code: str  # "" when the class gives no unit
    order: int
    values: tuple[EtimClassValue, ...]
    change_code: str


@dataclass(frozen=True, slots=True)
class EtimClass:
    code: str
    version: int
    names: dict[str, str]
    synonyms: dict[str, list[str]]
    features: tuple[EtimClassFeature, ...]
    status: str
    group_code: str
    change_code: str
    line: int

    @property
    def deleted(self) -> bool:
        return self.change_code == "Deleted"


EtimRecord = EtimHeader | EtimUnit | EtimFeature | EtimValue | EtimGroup | EtimClass


def default_schema_path() -> Path:
    return Path(
        getattr(settings, "PIM_ETIM_SCHEMA", Path(settings.PIM_STANDARDS_DIR) / "etim" / "ETIMIXF1.0.xsd")
    )


@lru_cache(maxsize=4)
def load_schema(path: str) -> etree.XMLSchema:
    """The ETIMIXF schema, parsed with the same safe settings as the data."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(path, parser))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise EtimFormatError(
            path, _("The ETIM schema cannot be loaded: %(error)s") % {"error": exc}
        ) from exc


def safe_pull_parser(schema: etree.XMLSchema | None = None, **kwargs) -> etree.XMLPullParser:
    """An incremental parser that loads no DTD, resolves no entity (external or internal: no
    file reads, no expansion bombs), never touches the network and keeps the default limits
    on text size and depth (``huge_tree`` off). Optionally validates against ``schema``."""
    return etree.XMLPullParser(
        events=("end",),
        schema=schema,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        **kwargs,
    )


@contextmanager
def open_ixf(path: str | Path):
    """Yield ``(binary stream, display name, uncompressed size)`` for an IXF ``.xml`` file or
    a ``.zip`` holding exactly one."""
    path = Path(path)
    if not path.is_file():
        raise EtimFormatError(str(path), _("The file does not exist."))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith(".xml")
            ]
            if len(members) != 1:
                raise EtimFormatError(
                    str(path),
                    _("The archive must hold exactly one XML file; it holds %(count)s: %(names)s.")
                    % {"count": len(members), "names": ", ".join(m.filename for m in members) or "-"},
                )
            info = members[0]
            source = f"{path} ({info.filename})"
            if info.file_size > MAX_XML_BYTES:
                raise EtimFormatError(source, _("The XML file is larger than 1 GiB; refusing to unpack it."))
            with archive.open(info) as stream:
                yield stream, source, info.file_size
    else:
        with path.open("rb") as stream:
            yield stream, str(path), path.stat().st_size


def read_ixf(
    path: str | Path,
    *,
    languages: Collection[str] | None = None,
    schema: etree.XMLSchema | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> Iterator[EtimRecord]:
    """Stream the records of an ETIMIXF file in document order: the header, then units,
    features, values, groups and classes (the schema fixes that order).

    ``languages``: two-letter codes to keep from the translations (``de-DE`` → ``de``);
    None keeps all. ``progress(bytes_read, total_bytes)`` is called after each chunk.
    Raises :class:`EtimFormatError` for anything that is not a valid ETIMIXF document.
    Consumers must not act on the records before the iterator is exhausted: a schema
    violation near the end of the file is only found there.
    """
    if schema is None:
        schema = load_schema(str(default_schema_path()))
    wanted = {language.lower() for language in languages} if languages else None
    try:
        with open_ixf(path) as (stream, source, size):
            yield from _IxfStream(source, wanted, schema, size=size).records(stream, progress)
    except _Invalid as invalid:
        raise _diagnose(path, wanted, schema, invalid.message) from None


class _Invalid(Exception):
    """Raised by the fast pass; :func:`_diagnose` then finds out what and where."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _diagnose(path, languages, schema, message: str) -> EtimFormatError:
    """Read the file again to say exactly what is wrong and on which line.

    The fast pass feeds large chunks to a validating parser: it finds an error but not its
    line, and libxml2's schema plug-in reports a broken tag as a confusing schema error.
    So: first a plain (non-validating) pass for well-formedness errors, whose lines libxml2
    knows; then a validating pass fed line by line, where the element being parsed when
    the error shows up is the culprit. Only the failure path pays for this.
    """
    for stream_schema, precise in ((None, False), (schema, True)):
        with open_ixf(path) as (stream, source, _size):
            try:
                for _record in _IxfStream(source, languages, stream_schema, precise).records(stream):
                    pass
            except EtimFormatError as error:
                return error
    return EtimFormatError(str(path), message)  # pragma: no cover - both passes found it valid


class _IxfStream:
    def __init__(self, source: str, languages: set[str] | None, schema, precise: bool = False, size: int = 0):
        self.source = source
        self.size = size
        self.languages = languages
        self.schema = schema
        # precise: fed line by line and errors are reported (else _Invalid is raised)
        self.precise = precise or schema is None
        self.line_by_line = precise
        self.root = None
        self.lines = 0

    def _chunks(self, stream) -> Iterator[bytes]:
        total = 0
        while chunk := (stream.readline(_MAX_LINE) if self.line_by_line else stream.read(_CHUNK)):
            total += len(chunk)
            if total > MAX_XML_BYTES:
                raise EtimFormatError(
                    self.source, _("The XML file is larger than 1 GiB; refusing to read on.")
                )
            if self.line_by_line:
                self.lines += chunk.count(b"\n")
            yield chunk

    def records(self, stream, progress=None) -> Iterator[EtimRecord]:
        parser = safe_pull_parser(self.schema, tag=[_HEADER_TAG, *_ITEM_TAGS])
        for chunk in self._chunks(stream):
            try:
                parser.feed(chunk)
            except etree.XMLSyntaxError as exc:
                if self.schema is not None:
                    self._check_validity(parser)
                raise self._syntax_error(exc) from None
            if parser.feed_error_log:
                self._check_validity(parser)
            yield from self._drain(parser)
            if progress is not None:
                progress(len(chunk), self.size)
        try:
            document_root = parser.close()
        except etree.XMLSyntaxError as exc:
            if self.schema is not None:
                self._check_validity(parser)
            raise self._syntax_error(exc) from None
        self._check_validity(parser)
        yield from self._drain(parser)
        if self.root is None:
            raise EtimFormatError(
                self.source,
                _(
                    "This is not an ETIM IXF file: the root element is “%(tag)s”, not “IXF” in namespace %(ns)s."
                )
                % {"tag": document_root.tag if document_root is not None else "-", "ns": NAMESPACE},
            )

    def _drain(self, parser) -> Iterator[EtimRecord]:
        for _event, element in parser.read_events():
            if self.root is None:
                self.root = element.getroottree().getroot()
                if element.getroottree().docinfo.doctype:
                    raise EtimFormatError(
                        self.source,
                        _(
                            "The file has a DOCTYPE declaration. ETIM files never do; it is refused "
                            "because entities could read local files or expand without bound."
                        ),
                    )
            parent = element.getparent()
            if parent is None:
                continue
            grandparent = parent.getparent()
            if element.tag == _HEADER_TAG and grandparent is None:
                record = self._header(element)
            elif grandparent is not None and grandparent.getparent() is None:
                record = self._item(element)
            else:
                continue  # a Feature or Value inside a class: handled with its class
            yield record
            # Free what has been read: the element's content and the siblings before it.
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del parent[0]

    # --- errors -------------------------------------------------------------------------

    def _syntax_error(self, exc: etree.XMLSyntaxError) -> Exception:
        message = _NAMESPACE_RE.sub("", exc.msg or str(exc))
        if not self.precise:
            return _Invalid(message)
        line = exc.lineno or self.lines or None
        return EtimFormatError(
            self.source, _("not well-formed XML: %(error)s") % {"error": message}, line=line
        )

    def _check_validity(self, parser) -> None:
        errors = [
            error
            for error in parser.feed_error_log
            if error.level >= etree.ErrorLevels.ERROR and error.domain == etree.ErrorDomains.SCHEMASV
        ]
        if not errors:
            return
        error = errors[0]
        message = _NAMESPACE_RE.sub("", error.message)
        if not self.precise:
            raise _Invalid(message)
        line, where = self._locate()
        if error.line:
            line = error.line
        if where:
            message = f"{where}: {message}"
        raise EtimFormatError(
            self.source,
            _("does not match the ETIMIXF 1.0 schema: %(error)s") % {"error": message},
            line=line or self.lines or None,
        )

    def _locate(self) -> tuple[int | None, str]:
        """Line and ETIM item of the element being parsed (the last, deepest one in the tree:
        everything read before it has been cleared)."""
        if self.root is None:
            return None, ""
        path = []
        element = self.root
        while len(element):
            element = element[-1]
            path.append(element)
        line = path[-1].sourceline if path else None
        where = ""
        if len(path) > 1:
            item = path[1]
            code = item.findtext(f"{_NS}Code")
            where = f"{etree.QName(item).localname} {code}" if code else etree.QName(item).localname
        return line, where

    # --- records ------------------------------------------------------------------------

    def _header(self, element) -> EtimHeader:
        name = element.findtext(f"{_NS}Publication/{_NS}Name") or ""
        number = (element.findtext(f"{_NS}Publication/{_NS}Number") or "").strip()
        match = _RELEASE_RE.search(name)
        if match:
            release = match.group(0)
        elif number:
            release = f"{number}.0"
        else:
            release = ""
        return EtimHeader(release=release)

    def _item(self, element) -> EtimRecord:
        kind = _ITEM_TAGS[element.tag]
        code = _code(element.find(f"{_NS}Code"))
        translations = self._translations(element)
        if kind == "Unit":
            return EtimUnit(
                code=code,
                names=_field(translations, "Description"),
                abbreviations=_field(translations, "Abbreviation"),
                line=element.sourceline,
            )
        if kind == "Feature":
            return EtimFeature(
                code=code,
                type=_text(element.find(f"{_NS}Type")),
                names=_field(translations, "Description"),
                line=element.sourceline,
            )
        if kind == "Value":
            return EtimValue(code=code, names=_field(translations, "Description"))
        if kind == "Group":
            return EtimGroup(code=code, names=_field(translations, "Description"))
        return self._class(element, code, translations)

    def _class(self, element, code, translations) -> EtimClass:
        synonyms = {}
        for language, translation in translations.items():
            words = [_text(synonym) for synonym in translation.iterfind(f"{_NS}Synonyms/{_NS}Synonym")]
            words = list(dict.fromkeys(word for word in words if word))
            if words:
                synonyms[language] = words
        features = []
        for feature in element.iterfind(f"{_NS}Features/{_NS}Feature"):
            values = tuple(
                EtimClassValue(
                    _code(value.find(f"{_NS}ValueCode")),
                    int(_text(value.find(f"{_NS}OrderNumber")) or 0),
                    sys.intern(value.get("changeCode", "")),
                )
                for value in feature.iterfind(f"{_NS}Values/{_NS}Value")
            )
            features.append(
                EtimClassFeature(
                    feature_code=_code(feature.find(f"{_NS}FeatureCode")),
                    unit_code=_code(feature.find(f"{_NS}UnitCode")),
                    order=int(_text(feature.find(f"{_NS}OrderNumber")) or 0),
                    values=values,
                    change_code=sys.intern(feature.get("changeCode", "")),
                )
            )
        return EtimClass(
            code=code,
            version=int(_text(element.find(f"{_NS}Version")) or 0),
            names=_field(translations, "Description"),
            synonyms=synonyms,
            features=tuple(features),
            status=_text(element.find(f"{_NS}Status")),
            group_code=_text(element.find(f"{_NS}GroupCode")),
            change_code=element.get("changeCode", ""),
            line=element.sourceline,
        )

    def _translations(self, element) -> dict:
        """Language (two letters) → Translation element; the first one per language wins."""
        translations = {}
        for translation in element.iterfind(f"{_NS}Translations/{_NS}Translation"):
            language = (translation.get("language") or "").split("-")[0].lower()
            if not language or language in translations:
                continue
            if self.languages is not None and language not in self.languages:
                continue
            translations[language] = translation
        return translations


def _text(element) -> str:
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def _code(element) -> str:
    """A code, interned: the same EF/EV/EU codes recur tens of thousands of times."""
    return sys.intern(_text(element))


def _field(translations: dict, name: str) -> dict[str, str]:
    texts = {}
    for language, translation in translations.items():
        text = _text(translation.find(f"{_NS}{name}"))
        if text:
            texts[language] = text
    return texts
