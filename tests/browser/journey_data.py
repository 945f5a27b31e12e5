"""The data of the journey tests: the real demo catalog at a small size, built the way
``scripts/run`` builds it (``import_etim --demo-subset``, ``demo_catalog``, the search index),
so the application pages, push-in fittings, downloads and discontinued articles are the demo's
own. Everything the tests use is chosen from that data here, never hard-coded: which products
fit the food journey, which article numbers to type, which discontinued product has a public
successor.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from pim.catalog.identifiers import normalize_article_number
from pim.catalog.models import Category, Lifecycle, Product
from pim.search.backends import search
from pim.search.query import BooleanFilter, RangeFilter, SearchQuery

# Three of the demo's classes: the push-in fittings of the food journey, the solenoid valves
# they relate to, and hexagon bolts (article numbers like HSB530.M16x65.88, the example,
# some discontinued with a successor). 160 products give ~50 fittings, ~15 of them FDA-conform
# with a range covering -10…120 °C; the whole demo subset would need ~4x the products (and
# time) for as many fittings. Builds in ~15 s.
CLASSES = ("EC001176", "EC001888", "EC002380")
PRODUCTS = 160
SEED = 1
# Fixed, so that lifecycle states (discontinued, successors) do not change from day to day.
REFERENCE_DATE = date(2025, 6, 15)

FITTINGS_CATEGORY = "pneumatic-fittings"
FDA = "fda_conformity"
TEMPERATURE = "EF001742"  # ETIM "operating temperature" of the fittings' class: a range
COVERS = ("-10 °C", "120 °C")


@dataclass
class JourneyData:
    food_url: str  # the food and beverage application page (English)
    food_title: str
    food_url_de: str
    food_title_de: str
    fittings_path: str  # the catalog page of the push-in fittings category
    food_fittings: list[str] = field(default_factory=list)  # FDA, covering -10…120 °C (article numbers)
    fittings_total: int = 0
    loose_article: str = ""  # a public product's article number typed loosely
    loose_target: str = ""  # …and its page
    discontinued: str = ""  # a public discontinued product whose successor is public
    discontinued_url: str = ""
    successor: str = ""
    successor_url: str = ""
    suggest_product: str = ""  # a public product to find by autocomplete


def build_journey_catalog() -> None:
    """Import the classes, build the demo (application pages come with it through
    ``demo_catalog_built``) and index it for the database backend."""
    call_command("import_etim", "--classes", ",".join(CLASSES), "--no-progress", verbosity=0)
    call_command(
        "demo_catalog",
        "--products",
        str(PRODUCTS),
        "--classes",
        *CLASSES,
        "--seed",
        str(SEED),
        "--reference-date",
        REFERENCE_DATE.isoformat(),
        verbosity=0,
    )
    call_command("search_reindex", "--no-progress", verbosity=0)


def _page_url(page) -> str:
    # Relative: the live server's host is not the site's configured one.
    return page.get_url(None)


def collect_journey_data() -> JourneyData:
    from cms.category_paths import category_path
    from cms.models import ApplicationPage

    english = ApplicationPage.objects.live().filter(locale__language_code="en")
    # The page about food: the demo's slug; its German version is its translation.
    food = english.filter(slug="food-and-beverage").first() or english.filter(title__icontains="food").first()
    assert food is not None, "the demo built no food and beverage application page"
    german = food.get_translation_or_none(_locale("de"))
    assert german is not None and german.live, "the food page has no live German translation"

    fittings = Category.objects.get(code=FITTINGS_CATEGORY)
    hits = search(
        SearchQuery(
            filters=[BooleanFilter(FDA, True), RangeFilter.covering(TEMPERATURE, *COVERS)],
            category=FITTINGS_CATEGORY,
            page_size=100,
            language="en",
        )
    )
    food_fittings = list(
        Product.objects.filter(pk__in=[hit.id for hit in hits.hits]).values_list("article_number", flat=True)
    )
    assert len(food_fittings) >= 4, f"only {food_fittings} for the food journey: build more products"
    all_fittings = search(SearchQuery(category=FITTINGS_CATEGORY, page_size=1, language="en"))

    public = Product.objects.publicly_visible()
    active = public.filter(lifecycle=Lifecycle.ACTIVE, successor__isnull=True)
    # An article number with separators, so that typing it loosely is a real test.
    loose = (
        active.filter(article_number__regex=r"[-./ _]").order_by("article_number_key").first()
        or active.order_by("article_number_key").first()
    )
    discontinued = (
        public.filter(lifecycle=Lifecycle.DISCONTINUED, successor__in=public)
        .select_related("successor")
        .order_by("article_number_key")
        .first()
    )
    assert discontinued is not None, "the demo has no public discontinued product with a public successor"
    # A product whose series has a few public siblings: the autocomplete lists several.
    suggest = (
        active.exclude(pk=loose.pk)
        .filter(product_model__isnull=False)
        .annotate(siblings=Count("product_model__variants"))
        .order_by("-siblings", "article_number_key")
        .first()
    )
    return JourneyData(
        food_url=_page_url(food),
        food_title=food.title,
        food_url_de=_page_url(german),
        food_title_de=german.title,
        fittings_path=category_path(fittings.code, "en"),
        food_fittings=sorted(food_fittings),
        fittings_total=all_fittings.total,
        loose_article=normalize_article_number(loose.article_number),
        loose_target=_product_url(loose),
        discontinued=discontinued.article_number,
        discontinued_url=_product_url(discontinued),
        successor=discontinued.successor.article_number,
        successor_url=_product_url(discontinued.successor),
        suggest_product=(suggest or loose).article_number,
    )


def _product_url(product) -> str:
    with translation.override("en"):
        return reverse("cms:product", kwargs={"article_number": product.article_number})


def _locale(language_code):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=language_code)
