"""What the download center finds: public documents and CAD files by article number, product
or series name, document type and language.

Two answers:

- **one product**: the text is the (loosely typed) article number of a publicly visible
  product: that product's download list, exactly as its page offers it
  (:func:`pim.assets.downloads.public_assets_for`), plus the generated datasheet in every
  site language;
- **a list of documents**: every downloadable asset (``Asset.objects.publicly_downloadable()``:
  public, valid today, with a file, linked to a visible product) whose title matches the text,
  or that is linked to a visible product whose article number starts with it or whose name
  contains it (or to the live series of such a product, or a series whose code/name matches).
  Category-wide documents (a certificate on a whole category) are found by title, document
  type and language, not through each product of the category.

Images and video links are not documents and are left out. Paging reads one row more than a
page instead of counting (a COUNT over the download rule's EXISTS clauses costs as much as the
page at a million products). Queries per page are fixed: the page of assets, the owners of
those assets (capped per asset with a window function), the matching products.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from pim.assets.downloads import DownloadLink, asset_url, datasheet_url, public_assets_for, url_article
from pim.assets.models import Asset, AssetKind, AssetLink
from pim.assets.visibility import public_link_condition
from pim.catalog.identifiers import normalize_article_number
from pim.catalog.localization import localize
from pim.catalog.models import Product, ProductModel

# What the download center offers: everything but images (shown on product pages) and video
# links (another site, no file).
DOCUMENT_KINDS = [kind for kind in AssetKind if kind not in (AssetKind.IMAGE, AssetKind.VIDEO)]
_KIND_RANK = {kind.value: rank for rank, kind in enumerate(DOCUMENT_KINDS)}
# Owners (products, series, categories) listed per document; "and N more" beyond.
MAX_OWNERS = 5
# Products named as "matching products" above the list.
MAX_MATCHING_PRODUCTS = 8


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code.upper()


@dataclass
class Owner:
    """A product, series or category a document belongs to."""

    kind: str  # "product", "series", "category"
    label: str
    code: str  # article number, series code, category object for category paths
    category: object = None


@dataclass
class Document:
    title: str
    kind: str
    kind_label: str
    url: str
    filename: str
    extension: str
    format_label: str
    size: int | None
    languages: list[str]
    generated: bool = False
    owners: list[Owner] = field(default_factory=list)
    more_owners: bool = False


@dataclass
class DownloadResults:
    documents: list[Document]
    page: int
    has_next: bool
    product: Product | None = None  # set when the text named one product
    matching_products: list[Product] = field(default_factory=list)


def _language_condition(language: str, prefix: str = "") -> Q:
    """Documents in ``language`` or language-neutral (CAD models, drawings)."""
    column = f"{prefix}languages"
    return (
        Q(**{column: ""})
        | Q(**{column: language})
        | Q(**{f"{column}__startswith": f"{language},"})
        | Q(**{f"{column}__endswith": f",{language}"})
        | Q(**{f"{column}__contains": f",{language},"})
    )


def _text_in_localized(field_name: str, text: str) -> Q:
    # Per language key: the JSON text of the whole field has umlauts escaped (\u00e4).
    condition = Q()
    for code in settings.PIM_LANGUAGES:
        condition |= Q(**{f"{field_name}__{code}__icontains": text})
    return condition


def _matching_products(text: str):
    """Visible products whose article number starts with the (normalized) text, or whose name
    (or their series' name) contains it."""
    key = normalize_article_number(text)
    condition = _text_in_localized("name", text) | _text_in_localized("product_model__name", text)
    if key:
        condition |= Q(article_number_key__startswith=key)
    return Product.objects.publicly_visible().filter(condition)


def _matching_series(text: str, products):
    """Live series with a visible variant whose code or name matches, or of a matching product."""
    visible_variant = Product.objects.publicly_visible().filter(product_model_id=OuterRef("pk"))
    return (
        ProductModel.objects.filter(live=True)
        .filter(Exists(visible_variant))
        .filter(
            Q(code__iexact=text.strip())
            | _text_in_localized("name", text)
            | Q(pk__in=products.exclude(product_model=None).values("product_model_id"))
        )
    )


def find_documents(*, text="", kinds=(), language="", page=1, page_size=20) -> DownloadResults:
    text = (text or "").strip()
    if text:
        product = (
            Product.objects.publicly_visible()
            .by_article_number(text)
            .select_related("product_model", "family")
            .first()
        )
        if product is not None:
            return _product_documents(product, kinds=kinds, language=language)

    assets = (
        Asset.objects.publicly_downloadable()
        .filter(kind__in=[kind.value for kind in DOCUMENT_KINDS], current_revision__isnull=False)
        .select_related("current_revision")
    )
    if kinds:
        assets = assets.filter(kind__in=kinds)
    if language:
        assets = assets.filter(_language_condition(language))
    matching = []
    if text:
        products = _matching_products(text)
        series = _matching_series(text, products)
        linked = AssetLink.objects.filter(asset_id=OuterRef("pk")).filter(
            Q(product__in=products.values("pk")) | Q(product_model__in=series.values("pk"))
        )
        assets = assets.filter(Exists(linked) | _text_in_localized("title", text))
        matching = list(
            products.select_related("product_model").order_by("article_number_key")[:MAX_MATCHING_PRODUCTS]
        )
    rank = Case(
        *[When(kind=kind, then=Value(position)) for kind, position in _KIND_RANK.items()],
        default=Value(len(_KIND_RANK)),
        output_field=IntegerField(),
    )
    start = (page - 1) * page_size
    rows = list(
        assets.annotate(kind_rank=rank).order_by("kind_rank", "-updated_at", "pk")[
            start : start + page_size + 1
        ]
    )
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    owners, more = _owners_of([asset.pk for asset in rows])
    documents = []
    for asset in rows:
        document = _asset_document(asset)
        document.owners = owners.get(asset.pk, [])
        document.more_owners = asset.pk in more
        documents.append(document)
    return DownloadResults(documents=documents, page=page, has_next=has_next, matching_products=matching)


def _asset_document(asset, product=None) -> Document:
    revision = asset.current_revision
    fmt = asset.file_format
    extension = (fmt.extension if fmt and fmt.extension else revision.extension) or ""
    return Document(
        title=localize(asset.title) or asset.get_kind_display(),
        kind=asset.kind,
        kind_label=asset.get_kind_display(),
        url=asset_url(asset, product),
        filename=asset.download_filename(product.article_number if product else ""),
        extension=extension.upper(),
        format_label=revision.format_label,
        size=revision.size,
        languages=[language_name(code) for code in asset.language_list],
    )


def _owners_of(asset_ids) -> tuple[dict[int, list[Owner]], set[int]]:
    """The visible products, live series and categories each asset is publicly linked to, at
    most :data:`MAX_OWNERS` per asset (one query whatever the number of links)."""
    if not asset_ids:
        return {}, set()
    links = (
        AssetLink.objects.filter(asset_id__in=asset_ids)
        .filter(public_link_condition())
        .select_related("product__product_model", "product_model", "category")
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("asset_id")],
                order_by=[F("sort_order").asc(), F("pk").asc()],
            )
        )
        .filter(position__lte=MAX_OWNERS + 1)
        .order_by("asset_id", "position")
    )
    owners: dict[int, list[Owner]] = {}
    more = set()
    for link in links:
        listed = owners.setdefault(link.asset_id, [])
        if len(listed) == MAX_OWNERS:
            more.add(link.asset_id)
            continue
        if link.product_id:
            product = link.product
            listed.append(
                Owner(
                    "product",
                    f"{product.display_name()} {product.article_number}".strip(),
                    product.article_number,
                )
            )
        elif link.product_model_id:
            model = link.product_model
            listed.append(Owner("series", localize(model.name) or model.code, model.code))
        else:
            category = link.category
            listed.append(
                Owner("category", localize(category.name) or category.code, category.code, category)
            )
    return owners, more


def _product_documents(product, *, kinds=(), language="") -> DownloadResults:
    """One product's downloads as its page lists them, the generated datasheet in each site
    language first."""
    documents = [
        Document(
            title=_("Datasheet (generated from the product data)"),
            kind=AssetKind.DATASHEET,
            kind_label=str(AssetKind.DATASHEET.label),
            url=datasheet_url(product, code),
            filename=f"{url_article(product)}_datasheet_{code}.pdf",
            extension="PDF",
            format_label=_("PDF document"),
            size=None,
            languages=[language_name(code)],
            generated=True,
        )
        for code in settings.PIM_LANGUAGES
        if not language or language == code
        if not kinds or AssetKind.DATASHEET in kinds
    ]
    for link in public_assets_for(product):
        if link.generated or link.external or link.kind not in _KIND_RANK:
            continue
        if kinds and link.kind not in kinds:
            continue
        asset = link.asset
        if language and asset.language_list and language not in asset.language_list:
            continue
        documents.append(_link_document(link, asset, product))
    return DownloadResults(documents=documents, page=1, has_next=False, product=product)


def _link_document(link: DownloadLink, asset, product) -> Document:
    document = _asset_document(asset, product)
    document.title = link.title
    return document
