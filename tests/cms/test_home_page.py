import pytest

from pim.catalog.models import Lifecycle, ProductModel
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


def test_home_page_shows_intro_and_links_public_products_only(client):
    family = make_valve_family()
    make_product(family, article_number="KH-PUBLIC", name={"en": "Ball valve", "de": "Kugelhahn"})
    make_product(family, article_number="KH-DRAFT", lifecycle=Lifecycle.DRAFT)
    make_product(family, article_number="KH-UNPUBLISHED", live=False)
    hidden_model = ProductModel.objects.create(code="HM", name={"en": "Hidden"}, family=family, live=False)
    make_product(family, article_number="KH-HIDDEN-MODEL", product_model=hidden_model)

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hydraulics, pneumatics, drive technology and fasteners" in html
    assert 'href="/products/KH-PUBLIC/"' in html
    for hidden in ("KH-DRAFT", "KH-UNPUBLISHED", "KH-HIDDEN-MODEL"):
        assert hidden not in html
    assert '<link rel="canonical" href="http://testserver/">' in html
    assert '<link rel="alternate" hreflang="de" href="http://testserver/de/">' in html

    response = client.get("/de/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert 'href="/de/produkte/KH-PUBLIC/"' in html
    assert "Kugelhahn" in html


def test_home_page_lists_at_most_twelve_products(client):
    family = make_valve_family()
    for index in range(15):
        make_product(family, article_number=f"KH-{index:03d}")
    html = client.get("/").content.decode()
    assert html.count('href="/products/KH-') == 12


def test_pages_render_for_a_logged_in_editor_with_the_wagtail_userbar(client, django_user_model):
    family = make_valve_family()
    make_product(family, article_number="KH-1")
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "pw"))
    for path in ("/", "/products/KH-1/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "wagtail-userbar" in response.content.decode()
