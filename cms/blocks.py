"""StreamField blocks of the application pages.

The product selection block speaks the search's URL vocabulary (:mod:`pim.search.params`):
an editor writes the same ``filter[…]=…`` parameters a visitor's catalog URL holds (or pastes
such a URL), the block checks them against the catalog when the page is saved, and the page
shows the matching public products through the search contract with a link to the catalog
page with the same filters applied.
"""

import logging
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from pim.assets.downloads import asset_url
from pim.assets.models import Asset
from pim.assets.visibility import downloadable_assets
from pim.search.backends import search
from pim.search.params import query_from_params, query_string
from pim.search.query import SearchQueryError, resolve

from .category_paths import category_path

logger = logging.getLogger(__name__)

MAX_PRODUCTS = 24
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]
ANSWER_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class AssetChooserViewSet(ChooserViewSet):
    """Lets editors pick downloads from the asset library (registered in cms/wagtail_hooks.py).
    Any asset may be chosen; pages render only the publicly downloadable ones, so a choice
    appears once its product goes public and disappears when it is withdrawn."""

    model = "assets.Asset"
    icon = "doc-full-inverse"
    choose_one_text = _("Choose a download")
    choose_another_text = _("Choose another download")
    edit_item_text = _("Edit download")
    per_page = 30


asset_chooser_viewset = AssetChooserViewSet("cms_asset_chooser", url_prefix="cms/asset-chooser")
AssetChooserBlock = asset_chooser_viewset.get_block_class(name="AssetChooserBlock", module_path="cms.blocks")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        required=False,
        max_length=200,
        help_text=_("What the picture shows, for people who cannot see it (empty: the image's title)."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class KeyFactBlock(blocks.StructBlock):
    label = blocks.CharBlock(label=_("Label"), max_length=80, help_text=_("e.g. “Cleaning agents”"))
    value = blocks.CharBlock(label=_("Value"), max_length=200, help_text=_("e.g. “pH 2 … 12, up to 85 °C”"))


class KeyFactsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=120)
    facts = blocks.ListBlock(KeyFactBlock(), label=_("Facts"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Key facts")
        template = "cms/blocks/key_facts.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=250)
    answer = blocks.RichTextBlock(label=_("Answer"), features=ANSWER_FEATURES)


class FaqBlock(blocks.StructBlock):
    """Questions and answers; the page publishes them as schema.org FAQPage data."""

    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=120)
    questions = blocks.ListBlock(QuestionBlock(), label=_("Questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("FAQ")
        template = "cms/blocks/faq.html"


class DownloadsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=120)
    assets = blocks.ListBlock(
        AssetChooserBlock(label=_("Download")),
        label=_("Downloads from the asset library"),
        help_text=_(
            "Only downloads the public may have are shown: public, valid and linked to a published "
            "product. Others stay hidden until they are."
        ),
    )
    documents = blocks.ListBlock(
        DocumentChooserBlock(label=_("Document")),
        label=_("Documents"),
        required=False,
        help_text=_("Documents from Wagtail's document library (they become downloadable with this page)."),
    )

    class Meta:
        icon = "download"
        label = _("Downloads")
        template = "cms/blocks/downloads.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        chosen = [asset.pk for asset in value["assets"] if asset is not None]
        # One query for the block: the editor's order, only what the download rule allows.
        allowed = {
            asset.pk: asset
            for asset in downloadable_assets(Asset.objects.filter(pk__in=chosen)).select_related(
                "current_revision"
            )
        }
        context["downloads"] = [
            {"asset": allowed[pk], "url": asset_url(allowed[pk])}
            for pk in dict.fromkeys(chosen)
            if pk in allowed
        ]
        context["documents"] = [document for document in value["documents"] if document is not None]
        return context


def filter_params(text: str) -> QueryDict:
    """The editor's filters as GET parameters: a query string (``filter[a]=b&…``, with or
    without "?") or a whole catalog URL pasted from the browser."""
    text = (text or "").strip()
    if "?" in text or text.startswith(("http://", "https://", "/")):
        text = urlsplit(text).query
    return QueryDict(text.lstrip("?"))


class ProductSelectionBlock(blocks.StructBlock):
    """A live list of the public products of a category that match preset filters, linking to
    the catalog with the same filters applied."""

    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=120)
    intro = blocks.TextBlock(label=_("Introduction"), required=False, max_length=600)
    category = SnippetChooserBlock(
        "catalog.Category",
        label=_("Category"),
        required=False,
        help_text=_("The products of this category and its subcategories (empty: the whole catalog)."),
    )
    filters = blocks.CharBlock(
        label=_("Filters"),
        required=False,
        max_length=1000,
        help_text=_(
            "In the catalog's URL language, joined with “&”; or paste the address of a filtered "
            "catalog page. Example: filter[fda_conformity]=true&filter[medium_temperature][from]=-10 "
            "°C&filter[medium_temperature][to]=90 °C&downloads=cad_3d. filter[<attribute>]=<option> "
            "for choices, =true/false for yes/no, [gte]/[lte] for at least/at most (any unit: "
            "16 bar, 232 psi), [from]/[to] for “the range covers”; q=<words> searches text."
        ),
    )
    count = blocks.IntegerBlock(
        label=_("Products shown"),
        default=6,
        min_value=1,
        max_value=MAX_PRODUCTS,
        help_text=_("How many products the list shows; a link leads to all of them in the catalog."),
    )

    class Meta:
        icon = "list-ul"
        label = _("Product selection")
        template = "cms/blocks/product_selection.html"

    def clean(self, value):
        value = super().clean(value)
        category = value.get("category")
        try:
            query = query_from_params(
                filter_params(value.get("filters")), category=category.code if category else None
            )
            resolve(query)  # unknown category, family or download kind
        except SearchQueryError as exc:
            raise blocks.StructBlockValidationError(
                block_errors={
                    "filters": ValidationError(
                        _("%(error)s Fix the filter or remove it.") % {"error": " ".join(exc.messages)}
                    )
                }
            ) from None
        return value

    def selection(self, value, language=None):
        """The block's products: ``{"hits", "total", "catalog_url"}``, or None when the filters
        no longer match the catalog (an attribute was deleted since the page was saved)."""
        language = (language or translation.get_language() or "en").split("-")[0]
        category = value.get("category")
        params = filter_params(value.get("filters"))
        try:
            shown = query_from_params(
                params,
                category=category.code if category else None,
                language=language,
                page_size=value["count"],
            )
            shown.facets = False
            shown.suggestions = False
            result = search(shown)
            # The link: the catalog's own page size, the category in the path.
            linked = query_from_params(
                params, category=category.code if category else None, language=language
            )
        except SearchQueryError as exc:
            logger.warning("Product selection on an application page cannot run: %s", exc)
            return None
        return {
            "hits": result.hits,
            "total": result.total,
            "catalog_url": catalog_url(category, linked),
        }

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["selection"] = self.selection(value)
        return context


def catalog_url(category, query) -> str:
    """The catalog page of ``category`` (or the whole catalog) with ``query``'s filters."""
    path = category_path(category) if category is not None else reverse("cms:catalog")
    params = query_string(query, include_category=False)
    return f"{path}?{params}" if params else path


class ApplicationBodyBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(
        label=_("Text"), features=RICH_TEXT_FEATURES, template="cms/blocks/rich_text.html"
    )
    image = ImageBlock()
    key_facts = KeyFactsBlock()
    faq = FaqBlock()
    downloads = DownloadsBlock()
    products = ProductSelectionBlock()

    class Meta:
        block_counts = {"faq": {"max_num": 1}}


def faq_structured_data(body) -> dict | None:
    """schema.org FAQPage of the page's FAQ blocks (None without questions)."""
    entries = []
    for block in body:
        if block.block_type != "faq":
            continue
        for item in block.value["questions"]:
            answer = str(item["answer"])
            entries.append(
                {
                    "@type": "Question",
                    "name": item["question"],
                    "acceptedAnswer": {"@type": "Answer", "text": " ".join(strip_tags(answer).split())},
                }
            )
    if not entries:
        return None
    return {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": entries}
