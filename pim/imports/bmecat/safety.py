"""Opening a supplier's BMEcat file without trusting it.

XML is parsed with no DTD loading, no network and no entity resolution, and a document
type declaration that declares entities is refused before lxml sees the document: an
entity bomb ("billion laughs") or an external entity (XXE: ``SYSTEM "file:///etc/passwd"``
or a URL) is never expanded or fetched. A DOCTYPE that only names a DTD (old BMEcat 1.2
files do) is ignored with a warning. ZIP archives go through the assets app's checks
(size, compression ratio, entries, member names) before a member is read.
"""

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from pim.assets.archives import ArchiveError, check_zip

# lxml options of every parse of an uploaded file.
SAFE_PARSE = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
PROLOG_BYTES = 64 * 1024
CHUNK = 1024 * 1024

_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_ROOT = re.compile(r"<(?![?!])([\w.:-]+)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# A PRODUCT (2005, ETIM) or ARTICLE (1.2) start tag, with or without a namespace prefix.
_ITEM_START = re.compile(rb"<(?:[\w.-]+:)?(?:PRODUCT|ARTICLE)[\s>/]")
_GROUPS = re.compile(rb"CATALOG_STRUCTURE|CATALOGGROUP_MAP")


class UnsafeFile(ValueError):
    """The file is refused as a whole; the message says why and what to do."""


@dataclass
class Prolog:
    root: str = ""  # local name of the root element
    warnings: list[str] = field(default_factory=list)


def _decode_prolog(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("latin-1")


def check_prolog(head: bytes) -> Prolog:
    """Check what comes before the root element: refuse entity declarations (expansion
    bombs, external entities) and say what the root element is.

    Raises :class:`UnsafeFile`."""
    text = _COMMENT.sub("", _decode_prolog(head))
    prolog = Prolog()
    doctype = _DOCTYPE.search(text)
    root = _ROOT.search(text)
    if doctype and (root is None or doctype.start() < root.start()):
        declaration = text[doctype.start() :]
        bracket, close = declaration.find("["), declaration.find(">")
        if bracket != -1 and (close == -1 or bracket < close):
            subset_end = declaration.find("]")
            if subset_end == -1:
                raise UnsafeFile(
                    _(
                        "The file's document type declaration (DOCTYPE) does not end in its first "
                        "%(size)s kB; such a file is refused. Remove the DOCTYPE and import again."
                    )
                    % {"size": PROLOG_BYTES // 1024}
                )
            subset = declaration[bracket:subset_end]
            if "<!ENTITY" in subset.upper():
                raise UnsafeFile(
                    _(
                        "The file declares entities in its DOCTYPE. They are never expanded or "
                        "loaded (they can blow up to gigabytes or read files from the server), so the "
                        "file was refused. BMEcat needs no DOCTYPE: remove it and import again."
                    )
                )
            root = _ROOT.search(text, doctype.start() + subset_end)
        else:
            root = _ROOT.search(text, doctype.start() + max(close, 0))
        prolog.warnings.append(_("The file's DOCTYPE was ignored: document type definitions are not loaded."))
    if root is not None:
        prolog.root = root.group(1).rpartition(":")[2]
    return prolog


@dataclass
class ScanResult:
    items: int | None = None  # PRODUCT/ARTICLE start tags (None: the encoding hides them)
    has_groups: bool = True  # a catalog group system or group map may be present


def scan(stream) -> ScanResult:
    """Count products and look for catalog groups in the raw bytes (fast, bounded memory),
    so the reader knows the size and whether it must read the group map first."""
    head = stream.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ScanResult()  # UTF-16: tags are not byte patterns; assume groups, size unknown
    count, groups, tail = 0, False, b""
    chunk = head
    while True:
        more = stream.read(CHUNK)
        chunk += more
        if not chunk:
            break
        window = tail + chunk
        count += sum(1 for match in _ITEM_START.finditer(window) if match.end() > len(tail))
        groups = groups or bool(_GROUPS.search(window))
        tail = window[-64:]
        chunk = b""
        if not more:
            break
    return ScanResult(items=count, has_groups=groups)


@dataclass
class OpenedFile:
    """Where the BMEcat XML comes from: a file, or a member of a checked ZIP archive (with
    the archive's other members recorded for MIME references)."""

    path: Path
    member: str = ""  # the XML member of a ZIP
    media: dict[str, str] = field(default_factory=dict)  # folded member name -> member name
    archive: zipfile.ZipFile | None = None

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.member}" if self.member else self.path.name

    def open(self):
        """A fresh binary stream of the XML (each pass reads from the start)."""
        if self.archive is not None:
            return self.archive.open(self.member)
        return self.path.open("rb")

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None


def open_file(path) -> OpenedFile:
    """Open ``path`` (XML or ZIP). For a ZIP the archive is checked first and the BMEcat
    member is the XML file whose root element is BMECAT (the first, if several).

    Raises :class:`UnsafeFile` for a damaged or unsafe archive or one without BMEcat."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        return OpenedFile(path=path)
    with path.open("rb") as handle:
        try:
            check_zip(handle)
        except ArchiveError as exc:
            raise UnsafeFile(_("The ZIP archive was refused: %(reason)s") % {"reason": exc}) from None
    archive = zipfile.ZipFile(path)
    xml_members, media = [], {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        if info.filename.lower().endswith(".xml"):
            xml_members.append(info.filename)
        media[info.filename.casefold()] = info.filename
    for member in sorted(xml_members, key=lambda name: (name.count("/"), name)):
        with archive.open(member) as stream:
            try:
                prolog = check_prolog(stream.read(PROLOG_BYTES))
            except UnsafeFile:
                archive.close()
                raise
        if prolog.root == "BMECAT":
            media.pop(member.casefold(), None)
            return OpenedFile(path=path, member=member, media=media, archive=archive)
    archive.close()
    raise UnsafeFile(
        _("The ZIP archive holds no BMEcat XML file (an .xml file whose root element is BMECAT).")
    )
