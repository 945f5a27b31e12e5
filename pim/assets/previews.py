"""Preview thumbnails for the admin: raster images through Pillow, SVGs as they are
(already sanitized), PDFs through PDFium (pypdfium2, a wheel with the library inside).
Thumbnails are stored once per content (by SHA-256) next to the assets."""

import io
import logging

from django.core.files.base import ContentFile

from .models import asset_storage

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (240, 240)
PREVIEWABLE = {"png", "jpeg", "webp", "pdf"}


def thumbnail_name(revision) -> str:
    return f"thumbnails/{revision.sha256[:2]}/{revision.sha256}.png"


def _render(revision) -> bytes | None:
    from PIL import Image

    with revision.file.open("rb") as handle:
        data = handle.read()
    if revision.file_format == "pdf":
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(data)
        try:
            page = document[0]
            width, height = page.get_size()
            scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height) * 1.5
            picture = page.render(scale=scale).to_pil()
            page.close()
        finally:
            document.close()
    else:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    picture.thumbnail(THUMBNAIL_SIZE)
    if picture.mode not in ("RGB", "RGBA", "L"):
        picture = picture.convert("RGBA")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def thumbnail(revision) -> bytes | None:
    """PNG bytes of the preview of ``revision`` (None when its format has none)."""
    if revision is None or revision.file_format not in PREVIEWABLE:
        return None
    storage = asset_storage()
    name = thumbnail_name(revision)
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read()
    try:
        data = _render(revision)
    except Exception:  # a damaged file must not break the admin listing
        logger.warning("no thumbnail for asset revision %s", revision.pk, exc_info=True)
        return None
    storage.save(name, ContentFile(data))
    return data
