from random import Random

import pytest

from pim.assets.demo import attach_demo_assets
from pim.assets.downloads import public_assets_for
from pim.assets.models import Asset, AssetKind
from pim.catalog.models import Category, ProductModel
from tests.factories import make_product


@pytest.mark.django_db
def test_demo_assets_are_attached_and_downloadable(client, family, media_root):
    root = Category.objects.create(code="valves", name={"en": "Valves"})
    leaf = Category.objects.create(code="ball", name={"en": "Ball valves"}, parent=root)
    series = ProductModel.objects.create(code="KH-S", name={"en": "KH series"}, family=family, live=True)
    variants = [make_product(family, article_number=f"KH-S-{i}", product_model=series) for i in range(2)]
    single = make_product(family, article_number="KH-1")
    single.categories.set([leaf])
    single.save()
    products = [*variants, single]

    summary = attach_demo_assets(products, Random(3))
    assert (
        summary.created == 2 * 4 + 1 + 1
    )  # per series/standalone: picture, STEP, STL, DXF; manual; certificate
    kinds = {link.kind for link in public_assets_for(single, "en")}
    assert {"datasheet", "cad_3d", "cad_2d", "manual", "certificate"} <= kinds
    variant_links = public_assets_for(variants[0], "en")
    assert any(link.format_label == "STEP model" for link in variant_links)
    for link in public_assets_for(single, "en"):
        response = client.get(link.url)
        assert response.status_code == 200, link.url
    assert Asset.objects.get(kind=AssetKind.IMAGE, links__product_model=series).image is not None

    again = attach_demo_assets(products, Random(3))
    assert again.created == 0 and again.reused == summary.created
    assert Asset.objects.count() == summary.created


@pytest.mark.django_db
def test_demo_catalog_command_attaches_demo_assets_through_its_signal(family, media_root):
    """``demo_catalog`` announces the demo products; the assets app answers with files."""
    from io import StringIO

    from pim.catalog.models import Product
    from pim.catalog.signals import demo_catalog_built

    products = [make_product(family, article_number=f"DEMO-{i}") for i in range(3)]
    out = StringIO()
    demo_catalog_built.send(
        sender=None,
        products=Product.objects.filter(pk__in=[p.pk for p in products]),
        seed=1,
        verbosity=1,
        stdout=out,
        stderr=StringIO(),
    )
    assert "Demo assets:" in out.getvalue()
    for product in products:
        kinds = {link.kind for link in public_assets_for(product, "en")}
        assert {"cad_3d", "cad_2d"} <= kinds, product
