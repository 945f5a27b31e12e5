"""Cached public pages (cms.page_cache): hits cost no query, and no change that alters a page
leaves it stale."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import page_cache
from cms.models import HomePage
from pim.assets import samples
from pim.assets.services import create_asset, link_asset
from pim.catalog.models import Attribute, Category, Lifecycle, ProductModel, ProductRelation, RelationKind
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


def get(client, path, **headers):
    return client.get(path, headers=headers)


def html(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def cache_status(response):
    return response[page_cache.STATUS_HEADER]


def test_second_request_is_a_hit_without_any_query(client, family):
    make_product(family, article_number="KH-1", name={"en": "Ball valve", "de": "Kugelhahn"})
    for path in ("/products/KH-1/", "/", "/de/produkte/KH-1/", "/de/"):
        first = client.get(path)
        assert cache_status(first) == "miss", path
        with CaptureQueriesContext(connection) as queries:
            second = client.get(path)
        assert cache_status(second) == "hit", path
        assert len(queries) == 0, (path, [q["sql"] for q in queries])
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]


def test_languages_are_cached_apart(client, family):
    make_product(family, article_number="KH-1", name={"en": "Ball valve", "de": "Kugelhahn"})
    for _round in range(2):  # misses, then hits
        assert "Ball valve" in html(client, "/products/KH-1/")
        assert "Kugelhahn" in html(client, "/de/produkte/KH-1/")
        assert '<html lang="de">' in html(client, "/de/")


def test_cached_pages_carry_validators_and_a_short_public_max_age(client, family, settings):
    settings.PIM_PAGE_CACHE_MAX_AGE = 45
    make_product(family, article_number="KH-1")
    first = client.get("/products/KH-1/")
    hit = client.get("/products/KH-1/")
    for response in (first, hit):
        assert "public" in response["Cache-Control"] and "max-age=45" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]
        assert response["ETag"] == first["ETag"]
        assert response["Last-Modified"]
    not_modified = get(client, "/products/KH-1/", if_none_match=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_unpublished_product_is_404_at_once(client, family):
    product = make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")
    assert cache_status(client.get("/products/KH-1/")) == "hit"
    product.unpublish()
    assert client.get("/products/KH-1/").status_code == 404
    assert "KH-1" not in html(client, "/")


def test_product_set_to_draft_by_a_plain_save_is_404_at_once(client, family):
    product = make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")
    html(client, "/")
    product.lifecycle = Lifecycle.DRAFT
    product.save()
    assert client.get("/products/KH-1/").status_code == 404
    assert "KH-1" not in html(client, "/")


def test_series_taken_offline_hides_its_variants_at_once(client, family):
    series = ProductModel.objects.create(code="S", name={"en": "Series"}, family=family, live=True)
    make_product(family, article_number="S-1", product_model=series)
    html(client, "/products/S-1/")
    series.unpublish()
    assert client.get("/products/S-1/").status_code == 404


def test_renamed_product_shows_its_new_name(client, family):
    product = make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    assert "Ball valve" in html(client, "/products/KH-1/")
    assert "Ball valve" in html(client, "/")
    product.name = {"en": "Butterfly valve"}
    product.save_revision().publish()
    assert "Butterfly valve" in html(client, "/products/KH-1/")
    assert "Butterfly valve" in html(client, "/")


def test_related_product_renamed_or_hidden_updates_the_pages_showing_it(client, family):
    source = make_product(family, article_number="KH-1")
    accessory = make_product(family, article_number="ACC-1", name={"en": "Hand lever"})
    ProductRelation.objects.create(product=source, kind=RelationKind.ACCESSORY, target=accessory)
    assert "Hand lever" in html(client, "/products/KH-1/")
    accessory.name = {"en": "Locking lever"}
    accessory.save()
    page = html(client, "/products/KH-1/")
    assert "Locking lever" in page and "Hand lever" not in page
    accessory.lifecycle = Lifecycle.DRAFT  # a draft never leaks, not even as a link
    accessory.save()
    assert "ACC-1" not in html(client, "/products/KH-1/")


def test_successor_renamed_updates_the_discontinued_products_page(client, family):
    successor = make_product(family, article_number="NEW-1", name={"en": "Valve mk2"})
    make_product(family, article_number="OLD-1", lifecycle=Lifecycle.DISCONTINUED, successor=successor)
    assert "Valve mk2" in html(client, "/products/OLD-1/")
    successor.name = {"en": "Valve mk3"}
    successor.save_revision().publish()
    assert "Valve mk3" in html(client, "/products/OLD-1/")


def test_variant_sibling_change_updates_the_variant_table(client, family):
    series = ProductModel.objects.create(code="S", name={"en": "Series"}, family=family, live=True)
    series.axes.set([Attribute.objects.get(code="nominal_size")])
    make_product(family, article_number="S-1", product_model=series, values={"nominal_size": "10 mm"})
    sibling = make_product(
        family, article_number="S-2", product_model=series, values={"nominal_size": "20 mm"}
    )
    assert "S-2" in html(client, "/products/S-1/")
    sibling.unpublish()
    assert "S-2" not in html(client, "/products/S-1/")


def test_asset_made_non_public_or_public_changes_the_download_list(client, family):
    product = make_product(family, article_number="KH-1")
    asset = create_asset(
        ContentFile(samples.step_box("KH-1"), name="kh1.step"), kind="cad_3d", title={"en": "3D model KH-1"}
    ).asset
    link_asset(asset, product)
    assert "3D model KH-1" in html(client, "/products/KH-1/")
    asset.public = False
    asset.save()
    assert "3D model KH-1" not in html(client, "/products/KH-1/")
    asset.public = True
    asset.save()
    assert "3D model KH-1" in html(client, "/products/KH-1/")
    asset.title = {"en": "STEP model KH-1"}  # not an event of the assets app, still on the page
    asset.save()
    assert "STEP model KH-1" in html(client, "/products/KH-1/")


def test_renamed_ancestor_category_shows_on_the_pages_below_it(client, family):
    fluid = Category.objects.create(code="fluid", name={"en": "Fluid technology"})
    valves = Category.objects.create(code="valves", name={"en": "Valves"}, parent=fluid)
    product = make_product(family, article_number="KH-1")
    product.categories.set([valves])
    product.save()
    assert "Fluid technology" in html(client, "/products/KH-1/")
    fluid.name = {"en": "Fluid power"}
    fluid.save()
    assert "Fluid power" in html(client, "/products/KH-1/")


def test_attribute_label_edit_shows_on_product_pages(client, family):
    make_product(family, article_number="KH-1", values={"max_pressure": "16 bar"})
    assert "Maximum pressure" not in html(client, "/products/KH-1/")
    attribute = Attribute.objects.get(code="max_pressure")
    attribute.name = {"en": "Maximum pressure"}
    attribute.save()
    assert "Maximum pressure" in html(client, "/products/KH-1/")


def test_home_page_edit_in_wagtail_shows_at_once(client):
    home = HomePage.objects.get()
    html(client, "/")
    home.title = "Valves and fittings"
    home.save_revision().publish()
    assert "<h1>Valves and fittings</h1>" in html(client, "/")


def test_new_product_appears_on_the_cached_home_page(client, family):
    html(client, "/")
    make_product(family, article_number="KH-NEW")
    assert "KH-NEW" in html(client, "/")


def test_logged_in_users_bypass_the_cache(client, family, django_user_model):
    make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")  # cached for anonymous visitors
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "pw"))
    for path in ("/products/KH-1/", "/"):
        response = client.get(path)
        assert cache_status(response) == "bypass"
        assert "wagtail-userbar" in response.content.decode()
        assert "private" in response["Cache-Control"]
    client.logout()
    anonymous = client.get("/products/KH-1/")
    assert "wagtail-userbar" not in anonymous.content.decode()


def test_requests_with_messages_or_query_strings_bypass_the_cache(client, family):
    make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")
    client.cookies["messages"] = "anything"
    assert cache_status(client.get("/products/KH-1/")) == "bypass"
    del client.cookies["messages"]
    assert cache_status(client.get("/products/KH-1/?utm_source=x")) == "bypass"
    assert cache_status(client.get("/products/KH-1/")) == "hit"


def test_responses_that_set_cookies_or_use_the_session_are_not_stored(rf, settings):
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.http import HttpResponse

    calls = []

    @page_cache.cache_public_page(lambda request: [page_cache.SITE])
    def sets_cookie(request):
        calls.append(1)
        response = HttpResponse("hello")
        response.set_cookie("visitor", "1")
        return response

    @page_cache.cache_public_page(lambda request: [page_cache.SITE])
    def writes_session(request):
        calls.append(1)
        request.session["seen"] = True
        return HttpResponse("hello")

    for view in (sets_cookie, writes_session):
        calls.clear()
        for _round in range(2):
            request = rf.get(f"/{view.__name__}/")
            request.session = SessionStore()
            assert cache_status(view(request)) == "bypass"
        assert len(calls) == 2, view.__name__


def test_redirects_and_404s_are_not_cached(client, family):
    make_product(family, article_number="KH-1")
    assert client.get("/products/kh1/").status_code == 301
    assert cache_status(client.get("/products/kh1/")) == "bypass"
    assert client.get("/products/NOPE/").status_code == 404
    make_product(family, article_number="NOPE")
    assert client.get("/products/NOPE/").status_code == 200


def test_a_change_committed_later_invalidates_pages_rendered_in_between(
    client, family, django_capture_on_commit_callbacks
):
    """Another process may render between the change and its commit (reading the old rows
    under the new stamps); the stamps are replaced again on commit."""
    product = make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")
    with django_capture_on_commit_callbacks(execute=True):
        product.name = {"en": "Renamed valve"}
        product.save()
        html(client, "/products/KH-1/")  # stands for a render from before the commit
        assert cache_status(client.get("/products/KH-1/")) == "hit"
    assert cache_status(client.get("/products/KH-1/")) == "miss"


def test_evicted_stamps_cause_misses_never_stale_hits(client, family):
    from django.core.cache import cache

    make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")
    cache.delete_many([f"pim-page:stamp:{scope}" for scope in ("site", "catalog")])
    assert cache_status(client.get("/products/KH-1/")) == "miss"
    assert cache_status(client.get("/products/KH-1/")) == "hit"


def test_changes_reaching_many_products_invalidate_all_pages(client, family, settings):
    settings.PIM_PAGE_CACHE_MAX_PRODUCTS = 2
    products = [make_product(family, article_number=f"KH-{index}") for index in range(3)]
    other = make_product(family, article_number="OTHER")
    html(client, "/products/OTHER/")
    from pim.catalog.signals import notify

    notify([p.pk for p in products], "family_changed")
    assert cache_status(client.get("/products/OTHER/")) == "miss"
    notify([products[0].pk], "published")  # reaches one product: other pages stay cached
    assert cache_status(client.get("/products/OTHER/")) == "hit"
    assert other.pk not in {p.pk for p in products}


def test_cache_off_when_timeout_is_zero(client, family, settings):
    settings.PIM_PAGE_CACHE_TIMEOUT = 0
    make_product(family, article_number="KH-1")
    html(client, "/products/KH-1/")
    assert cache_status(client.get("/products/KH-1/")) == "bypass"


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("redis://cache:6379/1", "django.core.cache.backends.redis.RedisCache", "redis://cache:6379/1"),
        (
            "memcached://a:11211,b:11211",
            "django.core.cache.backends.memcached.PyMemcacheCache",
            ["a:11211", "b:11211"],
        ),
        ("file:///srv/cache", "django.core.cache.backends.filebased.FileBasedCache", "/srv/cache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", ""),
    ],
)
def test_cache_url(url, backend, location):
    from pim.settings import _cache_from_url

    config = _cache_from_url(url)
    assert (config["BACKEND"], config["LOCATION"]) == (backend, location)


def test_default_cache_is_shared_files_in_var_and_unknown_schemes_are_explained():
    from django.core.exceptions import ImproperlyConfigured

    from pim.settings import VAR_DIR, _cache_from_url

    assert _cache_from_url("") == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
    with pytest.raises(ImproperlyConfigured, match="PIM_CACHE_URL='mongo://x'.*redis://"):
        _cache_from_url("mongo://x")


def test_an_upgrade_never_serves_pages_of_the_old_templates(client, family, settings, tmp_path):
    """No catalog change happens when new code is deployed: the release is part of the key."""
    make_product(family, article_number="KH-1")
    settings.PIM_RELEASE = "release-1"
    page_cache._release.cache_clear()
    try:
        assert cache_status(client.get("/products/KH-1/")) == "miss"
        assert cache_status(client.get("/products/KH-1/")) == "hit"
        settings.PIM_RELEASE = "release-2"
        page_cache._release.cache_clear()
        assert cache_status(client.get("/products/KH-1/")) == "miss"
    finally:
        page_cache._release.cache_clear()


def test_the_release_fingerprint_follows_template_changes(settings, tmp_path):
    """Without PIM_RELEASE, a changed template (a new deployment of the checkout) gives
    another fingerprint."""
    templates = tmp_path / "cms" / "templates"
    templates.mkdir(parents=True)
    page = templates / "page.html"
    page.write_text("<p>old</p>")
    settings.BASE_DIR = tmp_path
    settings.PIM_RELEASE = ""
    page_cache._release.cache_clear()
    try:
        before = page_cache.release()
        page.write_text("<p>new, longer</p>")
        page_cache._release.cache_clear()
        assert page_cache.release() != before
    finally:
        page_cache._release.cache_clear()
