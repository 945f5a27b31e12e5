"""The two journeys of issue 11 end to end in Chromium, on the demo catalog.

1. A production manager lands on the food and beverage application page, follows its product
   selection into the catalog, filters by FDA conformity and a temperature range with the facet
   UI, compares four fittings, downloads a datasheet and a CAD model, keeps them in the
   selection; once in German.
2. An engineer types an article number from an old drawing loosely into the header search
   box and lands on the product; a discontinued one names and links its successor; an
   autocomplete suggestion is picked with the keyboard.
Plus the same catalog and comparison without JavaScript, and axe-core on every page visited.

The demo catalog takes ~15 s to build, so it is built ONCE for this module and committed, and
this module runs its own live server over it. pytest-django's ``live_server`` cannot be used:
it makes every test transactional, and the flush after the first test would delete the demo.
So the tests here are ordinary ``django_db`` tests (pytest-django runs them with the other
non-transactional tests, before the transactional ones). What the visitor's clicks write (the
session) is rolled back with the test on SQLite, where the server thread shares the test's
in-memory connection, and committed by the server's own connection on PostgreSQL (each test
opens a fresh browser context, so no test sees another's lists). The module fixture builds
and commits the demo before any test transaction, keeps database access open for the server
thread, and at the end puts the database back as it found it (flush, then the rows it held
before), which is what the following tests expect.
"""

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import PHONE
from tests.browser.support import expect

pytestmark = pytest.mark.django_db

DESKTOP = {"viewport": {"width": 1280, "height": 900}}


# --- the demo catalog and its server, once per module -----------------------------------------------
def _restore_seeded_rows(connection):
    """After a transactional test's flush the seeded rows (units, Wagtail's root page, locales)
    are gone until the next test restores them: put them back the same way."""
    from wagtail.models import Page

    serialized = getattr(connection, "_test_serialized_contents", None)
    if serialized and not Page.objects.exists():
        connection.creation.deserialize_db_from_string(serialized)


@pytest.fixture(scope="module")
def journey(browser, django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the demo, start a live server on it; yields ``(JourneyData, base URL, media root)``."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from pim.search.backends import reset_backends
    from tests.browser.journey_data import build_journey_catalog, collect_journey_data

    media_root = tmp_path_factory.mktemp("journey-media")
    settings_override = override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        PIM_SEARCH_BACKEND="database",
        MEDIA_ROOT=media_root,
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": uuid.uuid4().hex,
            }
        },
    )
    # Open until the module is done: the live server thread reads the database between and
    # during the tests.
    unblocked = django_db_blocker.unblock()
    unblocked.__enter__()
    settings_override.enable()
    server = None
    try:
        reset_backends()
        _restore_seeded_rows(connection)
        before = connection.creation.serialize_db_to_string()
        try:
            build_journey_catalog()
            data = collect_journey_data()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            yield data, server.url, media_root
        finally:
            if server is not None:
                server._live_server_modified_settings.disable()
                server.stop()
            # As TransactionTestCase flushes: sequences keep counting (reset, they would hand
            # out the ids of the rows put back below again).
            call_command(
                "flush", interactive=False, inhibit_post_migrate=True, reset_sequences=False, verbosity=0
            )
            connection.creation.deserialize_db_from_string(before)
    finally:
        settings_override.disable()
        reset_backends()
        unblocked.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _demo_media(journey, settings, _isolated_media_root):
    """The per-test empty MEDIA_ROOT of tests/conftest.py would hide the demo's files."""
    settings.MEDIA_ROOT = journey[2]


@pytest.fixture
def data(journey):
    return journey[0]


@pytest.fixture
def open_page(request, browser, journey):
    """``open_page(**context_options)``: a page in a fresh browser context whose relative URLs
    go to this module's server (conftest's page factory)."""
    from tests.browser.conftest import page_factory

    with page_factory(request, browser, journey[1]) as make:
        yield make


# --- helpers -----------------------------------------------------------------------------------
def check_accessibility(page, label=""):
    from tests.browser.axe import assert_no_serious_violations

    assert_no_serious_violations(page, label=label)


def assert_no_horizontal_scroll(page):
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], f"{page.url} scrolls sideways: {widths}"


def record_problems(page) -> list[str]:
    """Script errors and console errors (a Content-Security-Policy refusal is one)."""
    problems = []

    def on_console(message):
        # A refused list change answers 409, which Chromium logs; nothing else may be an error.
        if message.type == "error" and "status of 409" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def header_count(page, list_name):
    return page.locator(f'[data-visitor-list="{list_name}"] [data-count]')


def result_count(page) -> int:
    text = page.locator(".catalog__count").inner_text()
    return int(re.match(r"\s*(\d+)", text).group(1))


def filter_chips(page):
    """The applied-filter chips, without the category's (the page's own scope)."""
    return page.locator(".chips .chip").filter(has_not_text=re.compile(r"^\s*Category:"))


def rows(page):
    return page.locator(".results-table tbody tr")


def facet(page, code):
    """The facet's fieldset, opened (a <details>) if it is closed."""
    details = page.locator(f'[data-facet="{code}"]')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def facet_counts(page, code) -> list[str]:
    return page.locator(f'[data-facet="{code}"] .facet__count').all_inner_texts()


def query_of(url) -> dict:
    return parse_qs(urlsplit(url).query)


def assert_attachment(page, href, *, content_types):
    """The download answers 200 with one of ``content_types`` as an attachment (fetched with
    the page's cookies, like the browser's own download)."""
    response = page.request.get(href)
    assert response.status == 200, (href, response.status)
    content_type = response.headers["content-type"].split(";")[0].strip()
    assert content_type in content_types, (href, content_type)
    assert response.headers["content-disposition"].startswith("attachment"), (
        href,
        response.headers["content-disposition"],
    )
    assert len(response.body()) > 100, href
    return content_type


# --- journey 1: food and beverage ---------------------------------------------------------------------
def food_journey(page, data, *, phone, screenshot):
    problems = record_problems(page)

    # The application page: read it.
    page.goto(data.food_url)
    expect(page.locator("h1")).to_have_text(data.food_title)
    questions = page.locator("details summary")
    assert questions.count() >= 3, "the application page has no FAQ"
    question = page.locator("details:not([open]) > summary").first
    details = page.locator("details", has=page.get_by_text(question.inner_text(), exact=True))
    question.click()
    expect(details).to_have_attribute("open", "")
    structured = " ".join(page.locator('script[type="application/ld+json"]').all_text_contents())
    assert '"FAQPage"' in structured
    if phone:
        assert_no_horizontal_scroll(page)
    check_accessibility(page, "application page")

    # Its recommended product group, into the catalog with the page's filters applied.
    page.get_by_role("link", name=re.compile(r"^Show (all|the) \d+ products? in the catalog")).first.click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == data.fittings_path
    preset = query_of(page.url)
    assert preset.get("filter[fda_conformity]") == ["true"], preset
    chips = filter_chips(page)
    expect(chips.first).to_be_visible()
    expect(chips.filter(has_text="FDA conformity")).to_have_count(1)
    assert chips.count() == len({key.split("]")[0] for key in preset if key.startswith("filter[")})
    if phone:
        assert_no_horizontal_scroll(page)
    check_accessibility(page, "catalog page with the application's filters")
    screenshot(page, f"journey-catalog-preset-{'phone' if phone else 'desktop'}")

    # Start over in the category and filter with the facet UI (JavaScript: in place).
    page.locator(".chips__clear").click()
    expect(filter_chips(page)).to_have_count(0)
    expect(page.locator(".catalog__count")).to_contain_text(f"{data.fittings_total} products")
    page.evaluate("window.__sameDocument = true")  # gone if a full page load happens
    if phone:
        toggle = page.get_by_role("button", name=re.compile(r"^Filters"))
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
    materials_before = facet_counts(page, "fitting_body_material")
    facet(page, "fda_conformity").get_by_label(re.compile(r"^Yes")).check()
    expect(page).to_have_url(re.compile(r"filter%5Bfda_conformity%5D=true|filter\[fda_conformity\]=true"))
    expect(filter_chips(page)).to_have_count(1)
    fda_total = result_count(page)
    assert len(data.food_fittings) < fda_total < data.fittings_total
    # The other facets count within the selection now.
    materials_after = facet_counts(page, "fitting_body_material")
    assert materials_after != materials_before, (materials_before, materials_after)
    assert sum(map(int, materials_after)) == fda_total

    temperature = facet(page, "EF001742")
    temperature.get_by_label("from", exact=True).fill("-10 °C")
    temperature.get_by_label("to", exact=True).fill("120 °C")
    temperature.get_by_label("to", exact=True).press("Enter")
    expect(page.locator("#catalog-status")).to_have_text(f"{len(data.food_fittings)} products found")
    assert page.evaluate("window.__sameDocument") is True, "filtering reloaded the page"
    expect(filter_chips(page)).to_have_count(2)
    state = query_of(page.url)
    assert state["filter[fda_conformity]"] == ["true"]
    assert state["filter[EF001742][from]"] == ["-10 °C"] and state["filter[EF001742][to]"] == ["120 °C"]
    assert facet_counts(page, "fitting_body_material") != materials_after
    shown = rows(page).locator("td[translate=no]").all_inner_texts()
    assert len(shown) == min(len(data.food_fittings), 20) and set(shown) <= set(data.food_fittings), shown
    if phone:
        assert_no_horizontal_scroll(page)
    check_accessibility(page, "catalog page filtered by FDA conformity and temperature")

    # The URL is the state: a reload shows the same.
    url = page.url
    page.reload()
    assert page.url == url
    expect(page.locator(".catalog__count")).to_contain_text(f"{len(data.food_fittings)} products")
    expect(filter_chips(page)).to_have_count(2)
    expect(page.locator('[data-facet="EF001742"]').get_by_label("from", exact=True)).to_have_value("-10 °C")
    expect(page.locator('[data-facet="fda_conformity"]').get_by_label(re.compile(r"^Yes"))).to_be_checked()

    # Four of them into the comparison, from their product pages.
    links = rows(page).locator("td.results-table__name a")
    chosen = [links.nth(n).get_attribute("href") for n in range(4)]
    for number, href in enumerate(chosen, start=1):
        page.goto(href)
        if number == 1:
            check_accessibility(page, "product page")
        page.get_by_role("button", name=re.compile(r"^Add to comparison")).click()
        expect(header_count(page, "comparison")).to_have_text(str(number))
        expect(page.locator("[data-visitor-status]")).to_contain_text(f"({number} of 4)")
    page.get_by_role("button", name=re.compile(r"^Add to selection")).click()
    expect(header_count(page, "selection")).to_have_text("1")

    # The comparison: 4 columns, differences highlighted, "only differences" hides equal rows.
    page.locator('[data-visitor-list="comparison"]').click()
    expect(page.locator("h1")).to_have_text("Compare products")
    expect(page.locator("th.compare-table__product")).to_have_count(4)
    differing = page.locator("tr.differs")
    equal = page.locator("tr[data-attribute]:not(.differs)")
    assert differing.count() >= 1 and equal.count() >= 1
    expect(page.locator('tr[data-attribute="fda_conformity"]')).not_to_have_class(re.compile(r"\bdiffers\b"))
    tint = differing.first.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = equal.first.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert tint != plain, "differences are not highlighted"
    if phone:
        assert_no_horizontal_scroll(page)
    check_accessibility(page, "comparison")
    screenshot(page, f"journey-comparison-{'phone' if phone else 'desktop'}")
    page.locator("[data-diff-toggle]").click()
    expect(page).to_have_url(re.compile(r"diff=1"))
    expect(equal.first).to_be_hidden()
    expect(differing.first).to_be_visible()
    page.locator("[data-diff-toggle]").click()
    expect(equal.first).to_be_visible()

    # A datasheet and a CAD model of one of them.
    downloads = page.locator(".compare-table__downloads a")
    hrefs = {}
    for link in downloads.all():
        text = link.inner_text()
        if "Datasheet" in text:
            hrefs.setdefault("datasheet", link.get_attribute("href"))
        if "CAD" in text:
            hrefs.setdefault("cad", link.get_attribute("href"))
    assert set(hrefs) == {"datasheet", "cad"}, downloads.all_inner_texts()
    assert_attachment(page, hrefs["datasheet"], content_types={"application/pdf"})
    assert_attachment(
        page,
        hrefs["cad"],
        content_types={
            "model/step",
            "application/step",
            "application/octet-stream",
            "model/stl",
            "application/sla",
            "application/zip",
            "image/vnd.dxf",
            "application/dxf",
        },
    )
    with page.expect_download() as download:
        page.locator(f'.compare-table__downloads a[href="{hrefs["datasheet"]}"]').first.click()
    assert download.value.suggested_filename.endswith(".pdf")

    # One more into the selection from the comparison (the first column; the fourth product
    # is in it already); the header counts them and the selection page lists both.
    page.locator("th.compare-table__product").first.get_by_role(
        "button", name=re.compile(r"^Add to selection")
    ).click()
    expect(header_count(page, "selection")).to_have_text("2")
    page.locator('[data-visitor-list="selection"]').click()
    page.wait_for_load_state()
    main = page.locator("main")
    for href in (chosen[0], chosen[3]):
        expect(main).to_contain_text(href.strip("/").split("/")[-1])
    check_accessibility(page, "selection")
    expect(header_count(page, "selection")).to_have_text("2")
    assert problems == [], problems


def test_food_journey_on_a_phone(open_page, data, screenshot):
    food_journey(open_page(**PHONE), data, phone=True, screenshot=screenshot)


def test_food_journey_on_a_desktop(open_page, data, screenshot):
    food_journey(open_page(**DESKTOP), data, phone=False, screenshot=screenshot)


def test_the_german_application_page(open_page, data):
    page = open_page(locale="de-DE", **DESKTOP)
    page.goto(data.food_url)
    page.locator('.languages a[hreflang="de"]').click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == data.food_url_de
    assert data.food_url_de.startswith("/de/") and data.food_url_de != "/de" + data.food_url
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^de"))
    expect(page.locator("h1")).to_have_text(data.food_title_de)
    check_accessibility(page, "German application page")
    # (the link's words are translated by the lead; its place is the selection block's)
    page.locator(".product-selection__more a").first.click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path.startswith("/de/katalog/")
    expect(page.locator(".chips .chip").first).to_be_visible()


# --- journey 2: an article number from an old drawing -------------------------------------------------
def search_box(page):
    return page.get_by_role("combobox", name="Search by article number, name or property")


def test_article_number_typed_loosely_and_a_discontinued_one_with_its_successor(open_page, data, screenshot):
    page = open_page(**PHONE)
    problems = record_problems(page)
    page.goto(data.fittings_path)

    search_box(page).fill(data.loose_article)
    search_box(page).press("Enter")
    page.wait_for_url(re.compile(re.escape(data.loose_target) + "$"))
    expect(page.locator(".product__number .value")).to_have_text(data.loose_target.split("/")[2])
    assert_no_horizontal_scroll(page)
    check_accessibility(page, "product page reached by a loose article number")

    # A discontinued article: its page says so and names and links the successor.
    loose_discontinued = re.sub(r"[-./ _]", "", data.discontinued).lower()
    search_box(page).fill(loose_discontinued)
    search_box(page).press("Enter")
    page.wait_for_url(re.compile(re.escape(data.discontinued_url) + "$"))
    notice = page.locator(".notice--discontinued")
    expect(notice).to_contain_text("no longer available")
    successor = notice.locator("a.successor")
    expect(successor).to_contain_text(data.successor)
    screenshot(page, "journey-discontinued")
    check_accessibility(page, "discontinued product page")
    successor.click()
    page.wait_for_url(re.compile(re.escape(data.successor_url) + "$"))
    expect(page.locator(".product__number .value")).to_have_text(data.successor)
    expect(page.locator(".notice--discontinued")).to_have_count(0)
    check_accessibility(page, "successor product page")
    assert problems == [], problems


def test_pick_an_autocomplete_suggestion_with_the_keyboard(open_page, data):
    page = open_page(**DESKTOP)
    problems = record_problems(page)
    page.goto(data.food_url)
    box = search_box(page)
    box.click()
    # the start of the article number, loosely: the series' siblings are suggested too
    typed = re.sub(r"[-./ _]", "", data.suggest_product).lower()[:-2]
    box.press_sequentially(typed, delay=30)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    wanted = listbox.get_by_role("option").filter(has_text=data.suggest_product)
    expect(wanted).to_have_count(1)
    check_accessibility(page, "search box with suggestions")
    for _step in range(listbox.get_by_role("option").count()):
        box.press("ArrowDown")
        if wanted.get_attribute("aria-selected") == "true":
            break
    expect(wanted).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", wanted.get_attribute("id"))
    box.press("Enter")
    page.wait_for_url(re.compile(r"/products/"))
    expect(page.locator(".product__number .value")).to_have_text(data.suggest_product)
    assert problems == [], problems


# --- without JavaScript ---------------------------------------------------------------------------------
def test_catalog_filters_and_comparison_without_javascript(open_page, data):
    page = open_page(java_script_enabled=False, **DESKTOP)
    page.goto(data.fittings_path)
    expect(page.locator(".catalog__count")).to_contain_text(f"{data.fittings_total} products")
    page.locator('[data-facet="fda_conformity"]').get_by_label(re.compile(r"^Yes")).check()
    temperature = page.locator('[data-facet="EF001742"]')
    temperature.get_by_label("from", exact=True).fill("-10 °C")
    temperature.get_by_label("to", exact=True).fill("120 °C")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    expect(page.locator(".catalog__count")).to_contain_text(f"{len(data.food_fittings)} products")
    state = query_of(page.url)
    assert state["filter[fda_conformity]"] == ["true"]
    assert state["filter[EF001742][from]"] == ["-10 °C"] and state["filter[EF001742][to]"] == ["120 °C"]
    expect(temperature.get_by_label("to", exact=True)).to_have_value("120 °C")
    # (no axe-core here: it runs as a script, and this context runs none; the same pages were
    # checked with JavaScript above)

    # "Add to comparison" posts the form and redirects back to the product page.
    product_url = rows(page).locator("td.results-table__name a").first.get_attribute("href")
    page.goto(product_url)
    page.get_by_role("button", name=re.compile(r"^Add to comparison")).click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == product_url
    expect(header_count(page, "comparison")).to_have_text("1")
    expect(page.get_by_role("link", name=re.compile(r"^In comparison"))).to_be_visible()
    page.locator('[data-visitor-list="comparison"]').click()
    expect(page.locator("th.compare-table__product")).to_have_count(1)
