"""File formats recognized by their content, not by their name.

:func:`detect_format` reads a seekable binary file and says what it really is (STEP,
IGES, STL, DXF, DWG, Parasolid, native CAD containers, PDF, PNG, JPEG, WebP, SVG, ZIP) or,
for content that is never accepted (HTML, executables, plain text…), what it is so an
error message can say so. Deeper checks that need more than the first bytes (SVG
sanitizing, ZIP bomb limits) live in :mod:`pim.assets.svg` and :mod:`pim.assets.archives`.
"""

import re
import struct
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

HEAD_SIZE = 64 * 1024


@dataclass(frozen=True)
class FileFormat:
    code: str
    label: str
    mime_type: str
    extension: str  # the canonical extension, without dot
    extensions: tuple[str, ...]  # every extension that names this format
    family: str  # cad_3d, cad_2d, document, image, archive, other
    compressible: bool = False  # worth deflating in a ZIP of all documents


FORMATS: dict[str, FileFormat] = {
    f.code: f
    for f in [
        FileFormat("step", _("STEP model"), "model/step", "step", ("step", "stp"), "cad_3d", True),
        FileFormat("iges", _("IGES model"), "model/iges", "igs", ("igs", "iges"), "cad_3d", True),
        FileFormat("stl", _("STL mesh"), "model/stl", "stl", ("stl",), "cad_3d", True),
        FileFormat(
            "parasolid",
            _("Parasolid model"),
            "application/octet-stream",
            "x_t",
            ("x_t", "xmt_txt"),
            "cad_3d",
            True,
        ),
        FileFormat(
            "native_cad",
            _("native CAD file (SolidWorks, Inventor…)"),
            "application/octet-stream",
            "",
            ("sldprt", "sldasm", "slddrw", "ipt", "iam", "idw", "ipn", "dwf"),
            "cad_3d",
        ),
        FileFormat("dxf", _("DXF drawing"), "image/vnd.dxf", "dxf", ("dxf",), "cad_2d", True),
        FileFormat("dwg", _("DWG drawing"), "image/vnd.dwg", "dwg", ("dwg",), "cad_2d"),
        FileFormat("pdf", _("PDF document"), "application/pdf", "pdf", ("pdf",), "document"),
        FileFormat("png", _("PNG image"), "image/png", "png", ("png",), "image"),
        FileFormat("jpeg", _("JPEG image"), "image/jpeg", "jpg", ("jpg", "jpeg", "jpe"), "image"),
        FileFormat("webp", _("WebP image"), "image/webp", "webp", ("webp",), "image"),
        FileFormat("svg", _("SVG image"), "image/svg+xml", "svg", ("svg",), "image", True),
        FileFormat("zip", _("ZIP archive"), "application/zip", "zip", ("zip",), "archive"),
    ]
}

EXTENSION_FORMATS: dict[str, str] = {ext: f.code for f in FORMATS.values() for ext in f.extensions}

# Things we recognize only to name them in an error message; never accepted.
FOREIGN = {
    "html": _("an HTML document"),
    "xml": _("an XML document (not SVG)"),
    "text": _("plain text"),
    "executable": _("an executable program"),
    "eicar": _("the EICAR anti-virus test signature"),
    "gif": _("a GIF image"),
    "gzip": _("a gzip archive"),
    "rar": _("a RAR archive"),
    "7z": _("a 7-Zip archive"),
    "ole": _("an OLE compound document (e.g. an old Microsoft Office file)"),
    "office": _("a Microsoft Office document"),
    "tiff": _("a TIFF image"),
    "bmp": _("a BMP image"),
    "unknown": _("unrecognized binary data"),
    "empty": _("empty"),
}

EICAR_SIGNATURE = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@dataclass(frozen=True)
class Detection:
    """What the content is: a supported ``format`` or a ``foreign`` code (never both)."""

    format: FileFormat | None = None
    foreign: str = ""

    @property
    def description(self) -> str:
        """For messages: “a PDF document”, “an HTML document”…"""
        if self.format is not None:
            return str(_("a file in %(format)s format") % {"format": self.format.label})
        return str(FOREIGN.get(self.foreign, FOREIGN["unknown"]))


def _read_head(fileobj, size=HEAD_SIZE) -> bytes:
    fileobj.seek(0)
    head = fileobj.read(size)
    fileobj.seek(0)
    return head


def _file_size(fileobj) -> int:
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def _text_head(head: bytes) -> str | None:
    """The head as text if it looks like text (no NUL bytes, decodes as UTF-8 or Latin-1)."""
    if b"\x00" in head:
        return None
    sample = head.removeprefix(b"\xef\xbb\xbf")
    try:
        return sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a character cut at the end of the head
            return sample[: exc.start].decode("utf-8")
    text = sample.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return text if controls <= len(text) // 100 else None


_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe)[\s>/]", re.IGNORECASE)
_DWG = re.compile(rb"^AC(10\d\d|1\.\d\d?|2\.\d\d)")
_DXF_START = re.compile(r"^\s*(0\s*\r?\n\s*SECTION|999\s*\r?\n)", re.ASCII)
_IGES_SECTIONS = set("SGDPT")


def _is_iges(text: str) -> bool:
    lines = text.splitlines()[:8]
    if len(lines) < 3:
        return False
    for index, line in enumerate(lines):
        if index == len(lines) - 1 and len(line) < 80:
            break  # the head may end in the middle of a line
        if len(line.rstrip("\r")) != 80 or line[72] not in _IGES_SECTIONS:
            return False
        if not line[73:80].strip().isdigit():
            return False
    return lines[0][72] == "S"


def _is_binary_stl(fileobj, size: int, head: bytes) -> bool:
    if size < 84 or len(head) < 84:
        return False
    (triangles,) = struct.unpack_from("<I", head, 80)
    return size == 84 + 50 * triangles


def _is_ascii_stl(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped.lower().startswith("solid"):
        return False
    lowered = stripped[:4096].lower()
    return "facet" in lowered or "endsolid" in lowered


def _zip_flavour(fileobj) -> str:
    """“zip”, or “office” for OOXML/ODF documents (named in messages)."""
    import zipfile

    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist()[:50])
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" in names or "mimetype" in names:
        return "office"
    return "zip"


def _xml_root(fileobj) -> str:
    """Local name of the root element of an XML file ('' if it does not parse)."""
    from .svg import parse_xml

    try:
        root = parse_xml(fileobj)
    except ValueError:
        # Unparseable or declaring entities: still name the vocabulary, so the SVG check
        # (not the format check) explains what is wrong.
        head = _read_head(fileobj, 4096).decode("utf-8", "replace")
        match = re.search(r"<(?![?!])(?:[\w-]+:)?([\w-]+)", head)
        return match.group(1).lower() if match else ""
    finally:
        fileobj.seek(0)
    return re.sub(r"^\{[^}]*\}", "", root.tag if isinstance(root.tag, str) else "")


def detect_format(fileobj, *, filename: str = "") -> Detection:
    """Say what a seekable binary file is, from its content.

    ``filename`` only decides between formats the content cannot tell apart (an OLE or
    ZIP container is a native CAD file when it is named like one).
    """
    size = _file_size(fileobj)
    if size == 0:
        return Detection(foreign="empty")
    head = _read_head(fileobj)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""

    if EICAR_SIGNATURE in head[:4096]:
        return Detection(foreign="eicar")
    pdf_at = head[:1024].find(b"%PDF-")
    if pdf_at == 0 or (pdf_at > 0 and b"<" not in head[:pdf_at]):
        # The PDF header may follow up to 1 KB of junk, but not markup: an HTML page that
        # mentions "%PDF-" is HTML. Markup right after the header is a polyglot a browser
        # may sniff as a page. (Validation then opens the file with PDFium.)
        if _MARKUP.search(head[:1024]):
            return Detection(foreign="html")
        return Detection(FORMATS["pdf"])
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detection(FORMATS["png"])
    if head.startswith(b"\xff\xd8\xff"):
        return Detection(FORMATS["jpeg"])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Detection(FORMATS["webp"])
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Detection(foreign="gif")
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return Detection(foreign="tiff")
    if head.startswith(b"BM") and size > 26 and struct.unpack_from("<I", head, 2)[0] == size:
        return Detection(foreign="bmp")
    if head.startswith((b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return Detection(foreign="executable")
    if head.startswith(b"\x1f\x8b"):
        return Detection(foreign="gzip")
    if head.startswith(b"Rar!\x1a\x07"):
        return Detection(foreign="rar")
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Detection(foreign="7z")
    if _DWG.match(head):
        return Detection(FORMATS["dwg"])
    if head.startswith(b"AutoCAD Binary DXF\r\n\x1a\x00"):
        return Detection(FORMATS["dxf"])
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if EXTENSION_FORMATS.get(extension) == "native_cad":
            return Detection(FORMATS["native_cad"])
        return Detection(foreign="ole")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if EXTENSION_FORMATS.get(extension) == "native_cad":
            return Detection(FORMATS["native_cad"])
        flavour = _zip_flavour(fileobj)
        return Detection(FORMATS["zip"]) if flavour == "zip" else Detection(foreign=flavour)
    # A binary STL header is free text and often starts with "solid": check its size rule
    # before looking at the head as text.
    if _is_binary_stl(fileobj, size, head):
        return Detection(FORMATS["stl"])

    text = _text_head(head)
    if text is None:
        return Detection(foreign="unknown")
    stripped = text.lstrip()
    if stripped.startswith("ISO-10303-21;"):
        return Detection(FORMATS["step"])
    if stripped.startswith("**ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
        return Detection(FORMATS["parasolid"])
    if _is_ascii_stl(text):
        return Detection(FORMATS["stl"])
    if _DXF_START.match(text):
        return Detection(FORMATS["dxf"])
    if _is_iges(text):
        return Detection(FORMATS["iges"])
    lowered = stripped[:2048].lower()
    if lowered.startswith(("<?xml", "<svg", "<!doctype svg", "<!--")) and not lowered.startswith(
        "<!doctype html"
    ):
        root = _xml_root(fileobj)
        if root == "svg":
            return Detection(FORMATS["svg"])
        if root == "html":
            return Detection(foreign="html")
        if root or not re.search(r"<(html|head|body)[\s>]", lowered):
            return Detection(foreign="xml")
    if lowered.startswith(("<!doctype html", "<html")) or re.search(
        r"<(html|head|body|script)[\s>]", lowered
    ):
        return Detection(foreign="html")
    return Detection(foreign="text")


def format_for_extension(filename: str) -> FileFormat | None:
    """The format a file name promises by its extension (None for unknown extensions)."""
    if "." not in filename:
        return None
    code = EXTENSION_FORMATS.get(filename.rsplit(".", 1)[-1].lower())
    return FORMATS[code] if code else None
