"""``MEDIA_URL`` without a way around the visibility rule (:mod:`pim.assets.media`).

Only renditions of public images answer (``images/…``, what pages embed); everything else
stored under ``MEDIA_ROOT`` (image originals, asset revisions, datasheets, thumbnails,
Wagtail documents, exports) is 404 here and leaves the server only through the views
that check who may have it. The bytes go out as configured by ``PIM_ASSET_DELIVERY``, so
nginx or Apache still send them; the web server must not serve ``MEDIA_ROOT`` itself.
"""

import hashlib
import mimetypes
import posixpath

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from wagtail.images import get_image_model

from .delivery import StoredFile, serve
from .media import document_is_public, image_is_public, may_preview_documents, may_preview_images

RENDITION_FOLDER = "images/"


def _clean(name: str) -> str:
    """The storage name of the request path, or 404 for anything that is not a plain
    relative path (``..``, absolute paths, backslashes, empty segments)."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        raise Http404
    if posixpath.normpath(name) != name or name.split("/", 1)[0] in ("..", "."):
        raise Http404
    return name


def _stored_rendition(rendition) -> StoredFile:
    storage = rendition.file.storage
    name = rendition.file.name
    try:
        size = storage.size(name)
    except OSError as error:  # the row outlived its file
        raise Http404 from error
    try:
        last_modified = storage.get_modified_time(name)
    except (NotImplementedError, OSError):
        last_modified = rendition.image.created_at
    # A rendition's bytes never change under its name: a new original gets a new name, and
    # a regenerated rendition is a new row.
    etag = hashlib.sha256(f"{rendition.pk}:{name}:{size}".encode()).hexdigest()[:32]
    return StoredFile(
        storage=storage,
        name=name,
        size=size,
        etag=f'"{etag}"',
        last_modified=last_modified,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        filename=posixpath.basename(name),
    )


def _delivery_mode(stored: StoredFile) -> str:
    mode = settings.PIM_ASSET_DELIVERY
    if mode == "redirect" and "://" not in stored.storage.url(stored.name):
        # A local storage's URL is this view again: a redirect would loop.
        return "django"
    return mode


@require_safe
def serve_media(request, name: str):
    """``MEDIA_URL<name>``: a rendition of a public image, for anyone; of any image, for
    editors of the image library (never cached by shared caches); 404 otherwise."""
    name = _clean(name)
    if not name.startswith(RENDITION_FOLDER):
        raise Http404
    Rendition = get_image_model().get_rendition_model()
    rendition = Rendition.objects.select_related("image").filter(file=name).first()
    if rendition is None:
        raise Http404
    public = image_is_public(rendition.image)
    if not public and not may_preview_images(request.user):
        raise Http404
    stored = _stored_rendition(rendition)
    response = serve(request, stored, inline=True, mode=_delivery_mode(stored))
    if response.status_code in (200, 206, 304):
        response["Cache-Control"] = (
            f"public, max-age={settings.PIM_MEDIA_CACHE_MAX_AGE}, immutable"
            if public
            else "private, no-cache"
        )
    return response


def document_gate(document, request):
    """Wagtail's ``before_serve_document`` hook: ``/documents/<id>/<name>`` answers 404 unless a
    live public page links the document or the user may edit documents. (Collection
    privacy, Wagtail's own check, still applies after this.)"""
    if document_is_public(document) or may_preview_documents(request.user):
        return None
    raise Http404
