"""Validation of uploaded files: name, size, content format, kind, SVG and ZIP safety,
raster images that really decode, PDFs that really parse and run nothing.

Every path that stores a file (admin upload, bulk import, demo data) calls
:func:`validate_file`; nothing is written before it passed. Messages name the file and say
what it really is and what to do.
"""

import hashlib
import io
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _

from . import svg as svg_safety
from .archives import ArchiveError, check_zip
from .filenames import FileNameError, check_filename, safe_filename
from .formats import FileFormat, detect_format, format_for_extension
from .models import KIND_FORMATS, AssetKind

CHUNK = 1024 * 1024


class AssetValidationError(ValidationError):
    """An upload that cannot be stored; the message names the file."""


@dataclass
class ValidatedFile:
    """A file that passed validation, ready to be stored."""

    name: str  # safe name with the canonical extension of its real format
    original_name: str
    format: FileFormat
    size: int
    sha256: str
    content: File  # rewound; the sanitized bytes for a sanitized SVG
    notes: list[str] = field(default_factory=list)


def max_upload_bytes() -> int:
    return settings.PIM_ASSET_MAX_UPLOAD_MB * 1024 * 1024


def _size(fileobj) -> int:
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def sha256_of(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _fail(filename: str, message: str, code: str) -> AssetValidationError:
    return AssetValidationError(
        _("%(file)s: %(message)s") % {"file": filename or _("(unnamed file)"), "message": message}, code=code
    )


def kind_format_labels(kind: str) -> str:
    from .formats import FORMATS

    return ", ".join(str(FORMATS[code].label) for code in KIND_FORMATS.get(kind, ()))


def validate_file(fileobj, filename: str, *, kind: str | None = None) -> ValidatedFile:
    """Check an uploaded file and return what to store, or raise AssetValidationError.

    ``fileobj`` is a seekable binary file (an UploadedFile, an open file, BytesIO).
    ``kind`` (an :class:`AssetKind`) restricts the accepted formats.
    """
    try:
        check_filename(filename)
    except FileNameError as exc:
        raise _fail(filename, str(exc), "bad_name") from None
    shown = safe_filename(filename)
    size = _size(fileobj)
    if size == 0:
        raise _fail(shown, _("the file is empty (0 bytes)."), "empty")
    limit = max_upload_bytes()
    if size > limit:
        raise _fail(
            shown,
            _("the file is %(size)s MB; the limit is %(max)s MB (setting PIM_ASSET_MAX_UPLOAD_MB).")
            % {"size": f"{size / (1024 * 1024):.1f}", "max": settings.PIM_ASSET_MAX_UPLOAD_MB},
            "too_large",
        )

    detection = detect_format(fileobj, filename=filename)
    promised = format_for_extension(filename)
    if detection.format is None:
        if detection.foreign == "eicar":
            raise _fail(shown, _("the file contains the EICAR anti-virus test signature."), "malware")
        if promised is not None:
            message = _("this is not a %(format)s: its content is %(real)s.") % {
                "format": promised.label,
                "real": detection.description,
            }
        else:
            message = _("the content is %(real)s, which is not an accepted format.") % {
                "real": detection.description
            }
        raise _fail(shown, message, "unknown_format")
    fmt = detection.format
    if promised is not None and promised.code != fmt.code:
        raise _fail(
            shown,
            _(
                "the name says %(promised)s but the content is %(real)s; rename the file or upload the right one."
            )
            % {"promised": promised.label, "real": fmt.label},
            "format_mismatch",
        )
    if kind and kind != AssetKind.VIDEO and fmt.code not in KIND_FORMATS.get(kind, ()):
        raise _fail(
            shown,
            _("a %(kind)s must be one of: %(allowed)s; this file is %(real)s.")
            % {"kind": AssetKind(kind).label, "allowed": kind_format_labels(kind), "real": fmt.label},
            "kind_format",
        )

    notes: list[str] = []
    content = fileobj
    if fmt.code == "svg":
        content, notes = _check_svg(fileobj, shown)
    elif fmt.code in RASTER_FORMATS:
        _check_raster(fileobj, shown, fmt)
    elif fmt.code == "pdf":
        _check_pdf(fileobj, shown)
    elif fmt.code == "zip":
        try:
            check_zip(fileobj)
        except ArchiveError as exc:
            raise _fail(shown, str(exc), "unsafe_archive") from None

    extension = fmt.extension or (filename.rsplit(".", 1)[-1] if "." in filename else "")
    name = safe_filename(filename, extension=extension)
    sha = sha256_of(content)
    return ValidatedFile(
        name=name,
        original_name=filename,
        format=fmt,
        size=_size(content),
        sha256=sha,
        content=File(content, name=name),
        notes=notes,
    )


def _check_svg(fileobj, shown: str):
    try:
        root = svg_safety.parse_xml(fileobj)
    except ValueError as exc:
        raise _fail(shown, _("the SVG cannot be used: %(error)s.") % {"error": exc}, "bad_svg") from None
    problems = svg_safety.active_content(root)
    if not problems:
        return fileobj, []
    unique = list(dict.fromkeys(problems))
    if settings.PIM_ASSET_SVG_POLICY != "sanitize":
        raise _fail(
            shown,
            _(
                "the SVG contains active content (%(found)s); remove scripts, event handlers and external references."
            )
            % {"found": "; ".join(unique[:5])},
            "svg_active_content",
        )
    cleaned = svg_safety.sanitize_svg(root)
    note = _("Removed from the SVG: %(found)s.") % {"found": "; ".join(unique[:5])}
    return io.BytesIO(cleaned), [note]


# Pillow's name of each raster format we accept.
RASTER_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def _check_raster(fileobj, shown: str, fmt: FileFormat) -> None:
    """Decode the whole image (Pillow's verify, then load): a file that only starts like a
    JPEG (a JPEG/HTML polyglot, a truncated upload) would otherwise be stored and break
    the Wagtail image, the thumbnails and every page that shows it."""
    from PIL import Image

    try:
        fileobj.seek(0)
        with Image.open(fileobj) as image:
            real = image.format
            image.verify()
        fileobj.seek(0)
        with Image.open(fileobj) as image:
            image.load()
    except Image.DecompressionBombError:
        raise _fail(
            shown,
            _("the image has too many pixels to be processed safely; scale it down and upload it again."),
            "image_too_large",
        ) from None
    except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, ValueError…)
        raise _fail(
            shown,
            _("the %(format)s cannot be decoded (%(error)s); export it again from the original.")
            % {"format": fmt.label, "error": exc},
            "bad_image",
        ) from None
    finally:
        fileobj.seek(0)
    if real != RASTER_FORMATS[fmt.code]:
        raise _fail(
            shown,
            _("the content starts like a %(format)s but decodes as %(real)s.")
            % {"format": fmt.label, "real": real},
            "bad_image",
        )


# PDF actions that run something when the document is opened or clicked. A datasheet, a
# manual or a certificate needs none of them; a browser's or reader's PDF engine runs them.
_PDF_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "Launch"}
_PDF_MAX_OBJECTS = 1_000_000


def _check_pdf(fileobj, shown: str) -> None:
    """The file must open in PDFium (what the thumbnails use; a PDF-looking HTML page does
    not) and carry no JavaScript or launch actions (pypdf walks every reachable object,
    including compressed object streams)."""
    import pypdfium2 as pdfium

    try:
        fileobj.seek(0)
        document = pdfium.PdfDocument(fileobj)  # read through the file, never copied into memory
        pages = len(document)
        document.close()
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            text = _("the PDF is password-protected; upload it without a password to open it.")
        else:
            text = _("the PDF cannot be opened (%(error)s); export it again from the original.") % {
                "error": message
            }
        raise _fail(shown, text, "bad_pdf") from None
    finally:
        fileobj.seek(0)
    if pages == 0:
        raise _fail(shown, _("the PDF has no pages."), "bad_pdf")
    try:
        found = pdf_active_content(fileobj)
    except Exception as exc:  # pypdf raises many types on damaged structures
        raise _fail(
            shown,
            _("the PDF structure cannot be checked (%(error)s); export it again from the original.")
            % {"error": exc},
            "bad_pdf",
        ) from None
    finally:
        fileobj.seek(0)
    if found:
        raise _fail(
            shown,
            _(
                "the PDF contains actions that run code when it is opened or clicked (%(found)s); "
                "export it again without JavaScript, form scripts or launch actions."
            )
            % {"found": ", ".join(found)},
            "pdf_active_content",
        )


def pdf_active_content(fileobj) -> list[str]:
    """Names of the active content a PDF holds (``["JavaScript", "Launch"]``), [] for none.
    Looks at every object reachable from the trailer, so an ``/OpenAction``, page or form
    field ``/AA``, link annotation or document-level name tree is found wherever it sits."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    fileobj.seek(0)
    reader = PdfReader(fileobj, strict=False)
    if reader.is_encrypted:
        reader.decrypt("")  # an owner password only (print restrictions) opens with ""
    found: dict[str, None] = {}
    seen: set[tuple[int, int]] = set()
    stack = [value for key, value in reader.trailer.items() if key != "/Encrypt"]
    while stack and len(seen) < _PDF_MAX_OBJECTS:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            action = obj.get("/S")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if isinstance(action, str) and action in _PDF_ACTIONS:
                found[_PDF_ACTIONS[action]] = None
            if "/JS" in obj or "/JavaScript" in obj:
                found["JavaScript"] = None
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return list(found)


def spooled_copy(fileobj) -> tempfile.SpooledTemporaryFile:
    """A seekable copy of a non-seekable stream (kept in memory up to 10 MB)."""
    copy = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 - returned to the caller
    while chunk := fileobj.read(CHUNK):
        copy.write(chunk)
    copy.seek(0)
    return copy
