"""The product page lists the product's public downloads (assets app) and nothing else."""

import re

import pytest
from django.core.files.base import ContentFile

from pim.assets import samples
from pim.assets.services import create_asset, link_asset
from tests.factories import make_product, make_valve_family

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def add_asset(product, kind, content, filename, *, public=True, title="Drawing"):
    result = create_asset(ContentFile(content, name=filename), kind=kind, title={"en": title}, public=public)
    link_asset(result.asset, product)
    return result.asset


def test_page_lists_datasheet_cad_and_zip_with_working_links(client):
    product = make_product(make_valve_family(), article_number="KH-200", values={"max_pressure": "16 bar"})
    add_asset(product, "cad_3d", samples.step_box("KH-200"), "kh200.step", title="3D model KH-200")
    add_asset(
        product, "cad_3d", samples.step_box("secret"), "secret.step", public=False, title="Internal model"
    )

    html = client.get("/products/KH-200/").content.decode()
    section = html[html.index('id="downloads"') :]
    assert "Datasheet (generated from the product data)" in section
    assert "3D model KH-200" in section
    assert "Internal model" not in html  # a non-public asset is not offered
    assert "All documents as ZIP" in section

    hrefs = re.findall(r'href="(/downloads/[^"]+)"', section)
    assert len(hrefs) == 3  # datasheet, STEP model, ZIP
    for href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, href


def test_product_without_uploaded_documents_offers_only_the_datasheet(client):
    make_product(make_valve_family(), article_number="KH-201")
    html = client.get("/products/KH-201/").content.decode()
    assert "Datasheet (generated from the product data)" in html
    assert "All documents as ZIP" not in html
