"""Sending stored files: conditional requests (ETag/Last-Modified), HTTP Range requests,
caching headers, and the delivery mode chosen by ``PIM_ASSET_DELIVERY``:

- ``django``: Django streams the bytes (single ranges answered with 206);
- ``x-accel-redirect``: nginx sends the file from an internal location;
- ``x-sendfile``: Apache (mod_xsendfile) or lighttpd send the file from its path;
- ``redirect``: a 302 to the storage's URL (a short-lived presigned URL on S3).

Uploaded files are not trusted to be harmless in a browser: every response carries
``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy: sandbox`` (a file opened
from our origin runs no script and reaches no cookie), and only images are ever shown
inline; documents (PDFs with a script the validator missed, anything else) are attachments.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe

CHUNK = 256 * 1024
# The only content types a download may show inline (in the browser window).
INLINE_CONTENT_TYPES = {"image/png", "image/jpeg", "image/webp", "image/svg+xml"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class StoredFile:
    storage: object
    name: str
    size: int
    etag: str  # quoted strong ETag
    last_modified: datetime
    content_type: str
    filename: str  # the name offered to the browser


def parse_range(header: str | None, size: int):
    """``(start, end)`` (inclusive) of a single byte range, ``None`` when the header is absent
    or not one we honour (several ranges, other units: the whole file is sent), or
    ``"unsatisfiable"``."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return (max(size - length, 0), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return (start, min(end, size - 1))


def _if_range_allows(request, stored: StoredFile) -> bool:
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith(('"', "W/")):
        return condition == stored.etag
    since = parse_http_date_safe(condition)
    return since is not None and int(stored.last_modified.timestamp()) <= since


def is_full_download(request, size: int) -> bool:
    """Counts as a download: no range, or a range from the first byte (resumed transfers
    continue a download already counted)."""
    parsed = parse_range(request.headers.get("Range"), size)
    return parsed is None or (parsed != "unsatisfiable" and parsed[0] == 0)


def protect(response, content_type: str = ""):
    """Headers every response with uploaded or generated file content carries: no type
    sniffing, and a sandbox (no scripts, an opaque origin without our cookies)."""
    response["X-Content-Type-Options"] = "nosniff"
    if content_type == "image/svg+xml":
        # An SVG opened directly may not even load anything.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    else:
        response["Content-Security-Policy"] = "sandbox"
    return response


def _common_headers(response, stored: StoredFile, *, inline: bool) -> None:
    response["ETag"] = stored.etag
    response["Last-Modified"] = http_date(stored.last_modified.timestamp())
    response["Cache-Control"] = f"public, max-age={settings.PIM_ASSET_CACHE_MAX_AGE}"
    inline = inline and stored.content_type in INLINE_CONTENT_TYPES
    response["Content-Disposition"] = content_disposition_header(not inline, stored.filename)
    protect(response, stored.content_type)


def _file_chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _redirect_url(stored: StoredFile) -> str:
    storage = stored.storage
    parameters = {
        "ResponseContentDisposition": content_disposition_header(True, stored.filename),
        "ResponseContentType": stored.content_type,
    }
    try:  # django-storages' S3 storage signs these into a presigned URL
        return storage.url(stored.name, parameters=parameters, expire=settings.PIM_ASSET_REDIRECT_EXPIRY)
    except TypeError:
        return storage.url(stored.name)


def serve(request, stored: StoredFile, *, inline: bool = False, mode: str | None = None) -> HttpResponse:
    """Answer a GET/HEAD for ``stored`` honouring conditional and range headers."""
    mode = mode or settings.PIM_ASSET_DELIVERY
    conditional = get_conditional_response(
        request, etag=stored.etag, last_modified=int(stored.last_modified.timestamp())
    )
    if conditional is not None:
        _common_headers(conditional, stored, inline=inline)
        del conditional["Content-Disposition"]
        return conditional

    if mode == "redirect":
        # The storage sends the bytes (with the attachment disposition signed into the URL).
        response = protect(HttpResponseRedirect(_redirect_url(stored)))
        response["Cache-Control"] = "private, no-store"
        return response
    if mode == "x-accel-redirect":
        response = HttpResponse(content_type=stored.content_type)
        response["X-Accel-Redirect"] = settings.PIM_ASSET_ACCEL_PREFIX.rstrip("/") + "/" + quote(stored.name)
        response["Accept-Ranges"] = "bytes"
        _common_headers(response, stored, inline=inline)
        return response
    if mode == "x-sendfile":
        response = HttpResponse(content_type=stored.content_type)
        response["X-Sendfile"] = stored.storage.path(stored.name)
        response["Accept-Ranges"] = "bytes"
        _common_headers(response, stored, inline=inline)
        return response
    if mode != "django":
        raise ValueError(f"unknown PIM_ASSET_DELIVERY {mode!r}")

    byte_range = parse_range(request.headers.get("Range"), stored.size)
    if byte_range is not None and not _if_range_allows(request, stored):
        byte_range = None
    if byte_range == "unsatisfiable":
        response = protect(HttpResponse(status=416))
        response["Content-Range"] = f"bytes */{stored.size}"
        response["Accept-Ranges"] = "bytes"
        return response
    head = request.method == "HEAD"
    if byte_range is None:
        if head:
            response = HttpResponse(content_type=stored.content_type)
        else:
            response = FileResponse(stored.storage.open(stored.name, "rb"), content_type=stored.content_type)
            # Servers without wsgi.file_wrapper read in block_size pieces; 4 KB (Django's
            # default) makes Python the bottleneck for large CAD files.
            response.block_size = CHUNK
        response["Content-Length"] = str(stored.size)
    else:
        start, end = byte_range
        length = end - start + 1
        if head:
            response = HttpResponse(status=206, content_type=stored.content_type)
        else:
            handle = stored.storage.open(stored.name, "rb")
            response = StreamingHttpResponse(
                _file_chunks(handle, start, length), status=206, content_type=stored.content_type
            )
        response["Content-Range"] = f"bytes {start}-{end}/{stored.size}"
        response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    _common_headers(response, stored, inline=inline)
    return response
