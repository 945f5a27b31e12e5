"""What a public page may offer for download, for other apps (cms, exports, api).

- :func:`public_assets_for` — the ordered download links of a publicly visible product;
- :func:`main_image_for` / :func:`gallery_images_for` — Wagtail images for the page;
- :func:`datasheet_url`, :func:`product_zip_url`, :func:`asset_url` — stable URLs.

Everything here returns nothing for a product that is not publicly visible.
"""

from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import translation
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _

from pim.catalog.localization import localize

from .models import ROLE_ORDER, Asset, AssetKind, AssetLink, LinkRole
from .visibility import asset_is_available_condition, product_link_condition


def url_article(product) -> str:
    """The article number as a URL segment (slashes, which the lookup ignores, become dashes)."""
    return product.article_number.replace("/", "-")


def asset_url(asset: Asset, product=None) -> str:
    """The stable download URL of an asset, in the context of ``product`` if given (counts
    the download for that product and puts its article number into the file name)."""
    if product is None:
        return reverse("assets:download", args=[asset.pk, asset.download_filename()])
    return reverse(
        "assets:product_download",
        args=[url_article(product), asset.pk, asset.download_filename(product.article_number)],
    )


def datasheet_url(product, language: str | None = None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language not in settings.PIM_LANGUAGES:
        language = settings.PIM_LANGUAGES[0]
    return reverse("assets:datasheet", args=[url_article(product), language])


def datasheet_url_maker(language: str):
    """``product -> datasheet_url(product, language)`` for many products: the URL is
    reversed once and the article is quoted as ``reverse`` quotes it (an export batch asks
    for thousands)."""
    marker = "ARTICLE0MARKER"
    template = datasheet_url(_MarkerProduct(marker), language)
    head, _marker, tail = template.partition(marker)

    def make(product) -> str:
        return head + quote(url_article(product), safe=RFC3986_SUBDELIMS + "/~:@") + tail

    return make


@dataclass(frozen=True)
class _MarkerProduct:
    article_number: str


def product_zip_url(product) -> str:
    return reverse("assets:product_zip", args=[url_article(product)])


@dataclass
class DownloadLink:
    """One entry of a product's download list."""

    title: str
    kind: str
    kind_label: str
    role: str
    role_label: str
    url: str
    filename: str = ""
    size: int | None = None
    format_label: str = ""
    languages: list[str] = field(default_factory=list)
    revision: int | None = None
    generated: bool = False  # the datasheet generated from the catalog data
    external: bool = False  # a video link to another site
    asset: Asset | None = None


_ROLE_RANK = {role.value: index for index, role in enumerate(ROLE_ORDER)}


def product_links(product):
    """The public links of a visible product's assets, best first: by role, then the most
    specific target (product before product model before category), then sort order."""
    role_rank = Case(
        *[When(role=role, then=Value(rank)) for role, rank in _ROLE_RANK.items()],
        default=Value(len(_ROLE_RANK)),
        output_field=IntegerField(),
    )
    specificity = Case(
        When(product__isnull=False, then=Value(0)),
        When(product_model__isnull=False, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        AssetLink.objects.filter(product_link_condition(product))
        .filter(asset__in=Asset.objects.filter(asset_is_available_condition()))
        .select_related("asset__current_revision", "asset__image")
        .annotate(role_rank=role_rank, specificity=specificity)
        .order_by("role_rank", "specificity", "sort_order", "pk")
    )


def _unique_assets(links):
    seen = set()
    for link in links:
        if link.asset_id in seen:
            continue
        seen.add(link.asset_id)
        yield link


def public_assets_for(
    product, language: str | None = None, *, include_images: bool = False
) -> list[DownloadLink]:
    """The download list of a product page, ordered: the generated datasheet first, then
    uploaded datasheets, CAD models, drawings, manuals, certificates, declarations,
    software and videos. Images are left out unless ``include_images`` (the page shows
    them through :func:`main_image_for`/:func:`gallery_images_for`). Empty when the product
    is not publicly visible."""
    if not product.is_publicly_visible():
        return []
    language = language or translation.get_language()
    result = [
        DownloadLink(
            title=_("Datasheet (generated from the product data)"),
            kind=AssetKind.DATASHEET,
            kind_label=str(AssetKind.DATASHEET.label),
            role=LinkRole.DATASHEET,
            role_label=str(LinkRole.DATASHEET.label),
            url=datasheet_url(product, language),
            filename=f"{url_article(product)}_datasheet_{(language or 'en')[:2]}.pdf",
            format_label=_("PDF document"),
            languages=[(language or settings.LANGUAGE_CODE)[:2]],
            generated=True,
        )
    ]
    for link in _unique_assets(product_links(product)):
        if link.asset.kind == AssetKind.IMAGE and not include_images:
            continue
        result.append(download_link(link, language, product))
    return result


def download_link(link, language: str | None = None, product=None) -> DownloadLink:
    """A public asset link as a download entry: in the context of ``product`` (its article
    number in the file name, the download counted for it) or of the series/category the link
    belongs to."""
    asset = link.asset
    revision = asset.current_revision
    if asset.kind == AssetKind.VIDEO:
        url, external = asset.external_url, True
    else:
        url, external = asset_url(asset, product), False
    return DownloadLink(
        title=localize(asset.title, language) or asset.get_kind_display(),
        kind=asset.kind,
        kind_label=asset.get_kind_display(),
        role=link.role,
        role_label=link.get_role_display(),
        url=url,
        filename=asset.download_filename(product.article_number if product else "") if revision else "",
        size=revision.size if revision else None,
        format_label=revision.format_label if revision else "",
        languages=asset.language_list,
        revision=revision.number if revision else None,
        external=external,
        asset=asset,
    )


def first_image(downloads: list[DownloadLink]):
    """The Wagtail image to show first among ``downloads`` listed with ``include_images``
    (ordered by role: the main image before the gallery), or None."""
    return next(
        (
            d.asset.image
            for d in downloads
            if d.asset is not None and d.role in (LinkRole.MAIN_IMAGE, LinkRole.GALLERY) and d.asset.image_id
        ),
        None,
    )


def main_image_for(product):
    """The Wagtail image to show first for a visible product (None if it has none)."""
    images = gallery_images_for(product)
    return images[0] if images else None


def gallery_images_for(product) -> list:
    """Wagtail images of a visible product: the main image first, then the gallery."""
    if not product.is_publicly_visible():
        return []
    images = []
    for link in _unique_assets(product_links(product)):
        if link.role in (LinkRole.MAIN_IMAGE, LinkRole.GALLERY) and link.asset.image_id:
            images.append(link.asset.image)
    return images
