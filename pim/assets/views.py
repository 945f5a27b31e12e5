"""Public downloads (no login). Every view answers 404 unless the catalog's visibility
rule allows the download: a draft never leaks, not even its file name."""

from django.conf import settings
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from pim.catalog.models import Product

from .datasheet import datasheet_for
from .delivery import StoredFile, is_full_download, protect, serve
from .downloads import asset_url, product_links, url_article
from .filenames import ascii_article
from .models import Asset, AssetKind, DownloadCount
from .stats import record_download
from .zipstream import ZipMember, stream_zip, unique_names

# Only images open in the browser; documents are attachments (see pim.assets.delivery).
INLINE_FORMATS = {"png", "jpeg", "webp", "svg"}


def _visible_product(article: str) -> Product:
    product = (
        Product.objects.publicly_visible().by_article_number(article).select_related("product_model").first()
    )
    if product is None:
        raise Http404
    return product


def _stored(revision, filename: str) -> StoredFile:
    return StoredFile(
        storage=revision.file.storage,
        name=revision.file.name,
        size=revision.size,
        etag=revision.etag,
        last_modified=revision.created_at,
        content_type=revision.mime_type,
        filename=filename,
    )


def _serve_asset(request, asset: Asset, filename: str, product=None):
    revision = asset.current_revision
    if revision is None:
        raise Http404
    if request.method == "GET" and is_full_download(request, revision.size):
        record_download(asset=asset, product=product)
    return serve(request, _stored(revision, filename), inline=revision.file_format in INLINE_FORMATS)


@require_safe
def download(request, asset_id: int, filename: str):
    """``/downloads/<id>/<name>``: an asset linked to at least one visible product."""
    asset = get_object_or_404(
        Asset.objects.publicly_downloadable()
        .exclude(kind=AssetKind.VIDEO)
        .select_related("current_revision"),
        pk=asset_id,
    )
    canonical = asset.download_filename()
    if filename != canonical:
        # Titles and revisions change the name; old links keep working.
        return redirect(asset_url(asset), permanent=False)
    return _serve_asset(request, asset, canonical)


@require_safe
def product_download(request, article: str, asset_id: int, filename: str):
    """``/downloads/products/<article>/<id>/<name>``: an asset of a visible product."""
    product = _visible_product(article)
    link = product_links(product).filter(asset_id=asset_id).exclude(asset__kind=AssetKind.VIDEO).first()
    if link is None:
        raise Http404
    asset = link.asset
    canonical = asset.download_filename(product.article_number)
    if filename != canonical or article != url_article(product):
        return redirect(asset_url(asset, product), permanent=False)
    return _serve_asset(request, asset, canonical, product)


@require_safe
def datasheet(request, article: str, language: str):
    """``/downloads/products/<article>/datasheet-<lang>.pdf``: generated, always current."""
    if language not in settings.PIM_LANGUAGES:
        raise Http404
    product = _visible_product(article)
    sheet = datasheet_for(product, language)
    filename = f"{ascii_article(product.article_number)}_datasheet_{language}.pdf"
    stored = StoredFile(
        storage=sheet.file.storage,
        name=sheet.file.name,
        size=sheet.size,
        etag=f'"{sheet.content_hash[:32]}"',
        last_modified=sheet.created_at,
        content_type="application/pdf",
        filename=filename,
    )
    if request.method == "GET" and is_full_download(request, sheet.size):
        record_download(product=product, kind=DownloadCount.Kind.GENERATED_DATASHEET)
    return serve(request, stored)


def product_zip_members(product) -> list[ZipMember]:
    """The generated datasheets and every downloadable document of a visible product."""
    members = []
    names = []
    for language in settings.PIM_LANGUAGES:
        sheet = datasheet_for(product, language)
        members.append(
            ZipMember(
                name="",
                open=lambda sheet=sheet: sheet.file.storage.open(sheet.file.name, "rb"),
                size=sheet.size,
                modified=sheet.created_at,
            )
        )
        names.append(f"{ascii_article(product.article_number)}_datasheet_{language}.pdf")
    seen = set()
    for link in product_links(product):
        asset = link.asset
        revision = asset.current_revision
        if asset.pk in seen or revision is None or asset.kind in (AssetKind.IMAGE, AssetKind.VIDEO):
            continue
        seen.add(asset.pk)
        fmt = asset.file_format
        members.append(
            ZipMember(
                name="",
                open=lambda revision=revision: revision.file.storage.open(revision.file.name, "rb"),
                size=revision.size,
                modified=revision.created_at,
                compress=bool(fmt and fmt.compressible),
            )
        )
        names.append(f"{asset.kind}/{asset.download_filename(product.article_number)}")
    for member, name in zip(members, unique_names(names), strict=True):
        member.name = name
    return members


@require_safe
def product_zip(request, article: str):
    """``/downloads/products/<article>/documents.zip``: streamed, never built in memory."""
    product = _visible_product(article)
    members = product_zip_members(product)
    filename = f"{ascii_article(product.article_number)}_documents.zip"
    if request.method == "HEAD":
        response = StreamingHttpResponse([], content_type="application/zip")
    else:
        record_download(product=product, kind=DownloadCount.Kind.ARCHIVE)
        response = StreamingHttpResponse(stream_zip(members), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-cache"
    return protect(response)
